using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Instruction = Tos.Tbpf.Isa.Instruction;
using Tos.Tbpf.Jit.Runtime;
using Tos.Tbpf.Memory;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// Local calls use the x86 stack: the call site pushes r6–r9 and r10 (five words, plus the return address:
/// 48 bytes, so rsp stays 16-byte aligned at every depth), moves r10 to the next frame and <c>call</c>s;
/// <c>exit</c> in a callee <c>ret</c>s and the call site pops. The frame count lives in the context.
/// </summary>
internal sealed partial class X64Compiler
{
    private static readonly AssemblerRegister64[] SavedAcrossCalls = [rbx, r12, r13, r14, rbp];

    private void EmitLocalCall(int pc, CodeLabel target)
    {
        // The sequence depends only on the profile's frame limits and on whether frames are reached unchecked: captured
        // once, then copied (a program of nothing but calls compiled at a quarter of the speed, one form at a time).
        // Found once per program (its key is the program's), and its too-deep stub is entered by one branch, which the
        // stub patches: no label.
        _localCall ??= LocalCallSequences.GetOrAdd(new LocalCallKey(_profile.MaxCallFrames, _profile.FrameStride, _frameAccessesUnchecked),
            CaptureLocalCall);
        Span<int> stub = stackalloc int[1];
        _a.Emit(_localCall, [default, target], stub);
        DeferExit(JitStatus.CallDepthExceeded, pc, stub[0]);
    }

    private Macro? _localCall;

    private readonly record struct LocalCallKey(int Frames, int FrameStride, bool FrameAccessesUnchecked);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<LocalCallKey, Macro> LocalCallSequences = new();

    /// <summary>Push a frame (label 0 = too deep), call the function (label 1), pop the frame.</summary>
    private static Macro CaptureLocalCall(LocalCallKey key) =>
        X64Emitter.Capture(2, (a, labels) =>
        {
            EmitPushFrame(a, labels[0], key.Frames, key.FrameStride);
            if (key.FrameAccessesUnchecked)
            {
                // The new frame counts as written up to its top (r10's offset in the stack region), so that unchecked
                // stores into it are zeroed when the invocation's memory is returned.
                var covered = a.CreateLabel();
                var watermark = __qword_ptr[Context + (JitContext.RegionsOffset + MemoryMap.StackIndex * JitContext.RegionEntrySize
                    + JitContext.RegionWatermarkOffset)];
                a.mov(eax, R32[10]);
                a.cmp(rax, watermark);
                a.jbe(covered);
                a.mov(watermark, rax);
                a.Bind(covered);
            }

            a.call(labels[1]);
            EmitPopFrame(a);
        });

    /// <summary>One more frame, or <paramref name="tooDeep"/>: saves r6–r10 and moves r10 to the next frame.</summary>
    private static void EmitPushFrame(X64Emitter a, CodeLabel tooDeep, int maxFrames, int frameSize)
    {
        a.cmp(Field(JitContext.DepthOffset), maxFrames - 1);
        a.jae(tooDeep);
        a.inc(Field(JitContext.DepthOffset));
        foreach (var register in SavedAcrossCalls)
        {
            a.push(register);
        }

        a.add(R64[10], frameSize);
    }

    private static void EmitPopFrame(X64Emitter a)
    {
        for (var i = SavedAcrossCalls.Length - 1; i >= 0; i--)
        {
            a.pop(SavedAcrossCalls[i]);
        }
    }

    /// <summary><c>if (depth == 0) leave with r0; else { depth--; return to the call site; }</c></summary>
    private void EmitExit()
    {
        _a.cmp(Field(JitContext.DepthOffset), 0);
        _a.je(_exitOk);
        _a.dec(Field(JitContext.DepthOffset));
        _a.ret();
    }

    private void EmitSyscall(int pc, Instruction ins)
    {
        LoadImmediate32(eax, ins.Imm32);
        _a.mov(Field(JitContext.SyscallKeyOffset), rax);
        EmitShimCall(pc);
    }

    /// <summary>Calls the managed shim with the key in the context, through the program's one shim routine (see
    /// <see cref="EmitShimRoutine"/>) with the pc in eax: a call site is a load and a call, where it was the whole
    /// sequence, about a hundred bytes to copy and to fetch per syscall.</summary>
    private void EmitShimCall(int pc)
    {
        LoadImmediate32(eax, pc);
        _a.call(_shimRoutine ??= _a.CreateLabel());
    }

    private CodeLabel? _shimRoutine;

    /// <summary>The shim routine, once per program when some syscall calls it.</summary>
    private void EmitShimRoutine()
    {
        if (_shimRoutine is { } routine)
        {
            _a.Emit(s_shimRoutine ??= CaptureShimRoutine(), [routine, SyscallFailedAnchor()]);
        }
    }

    private static Macro? s_shimRoutine;

    /// <summary>From label 0, with the pc in eax (called, so its return address is on the stack): record the pc, spill
    /// r0–r10 and the meter, call the shim on a 16-byte aligned stack, reload the caller-saved registers and the meter, and
    /// return, or leave through label 1 when the shim failed (the exit resets the stack). The same for every program:
    /// captured once (lazily, like every captured sequence, so that the tests' encoding cross-check sees it).</summary>
    private static Macro CaptureShimRoutine() => X64Emitter.Capture(2, (a, labels) =>
    {
        a.Bind(labels[0]);
        a.mov(__dword_ptr[Context + JitContext.PcOffset], eax);
        for (var r = 0; r <= 10; r++)
        {
            a.mov(Field(JitContext.RegistersOffset + r * 8), R64[r]);
        }

        a.mov(Field(JitContext.RemainingOffset), Meter);
        a.mov(rdi, Context);
        // The guest's stack is aligned at every call site; the call here pushed a return address.
        a.sub(rsp, 8);
        a.call(Field(JitContext.SyscallShimOffset));
        a.add(rsp, 8);
        foreach (var r in CallerSaved)
        {
            a.mov(R64[r], Field(JitContext.RegistersOffset + r * 8));
        }

        a.mov(Meter, Field(JitContext.RemainingOffset));
        a.test(eax, eax);
        a.jnz(labels[1]);
        a.ret();
    });

    private void EmitCallx(int pc, Instruction ins)
    {
        // The verifier kept the register (dst, or imm under sbpf V0) in r0–r9.
        var register = _profile.CallxRegister == CallxRegisterField.Imm ? (byte)ins.Imm32 : ins.Dst;
        var target = R64[register];
        if (_profile.Callx == CallxTarget.HelperNumber)
        {
            // The register holds a helper number; the shim checks that it is registered.
            _a.mov(Field(JitContext.SyscallKeyOffset), target);
            EmitShimCall(pc);
            return;
        }

        // The call site records its pc and calls the program's routine for this register and profile (EmitCallxRoutines),
        // which checks, pushes the frame, charges and calls: some twenty bytes per site, where copying the whole sequence
        // and its failures was over two hundred (a 1 MiB program of callx made 27 MiB of code).
        if (NeedsBlinding(pc))
        {
            LoadImmediate32(eax, pc);
            _a.mov(__dword_ptr[Context + JitContext.PcOffset], eax);
        }
        else
        {
            _a.mov(__dword_ptr[Context + JitContext.PcOffset], pc);
        }

        ref var routine = ref _callxRoutines[register];
        if (!routine.IsValid)
        {
            routine = _a.CreateLabel();
        }

        _a.call(routine);
    }

    /// <summary>The callx routines the program calls, by register (within one program the rest of what their sequence
    /// depends on, <see cref="CallxKey"/>, is fixed): an array, as a dictionary lookup per site was a tenth of compiling a
    /// program of callx.</summary>
    private readonly CodeLabel[] _callxRoutines = new CodeLabel[11];

    private CallxKey CallxKeyOf(int register) =>
        new((byte)register, _options.Metering, _profile.MaxCallFrames, _profile.FrameStride, _profile.CallxEntersAnySlot);

    /// <summary>
    /// The callx routines, each followed out of line by its failures: outside the text and not an instruction start
    /// record the target as the fault address, each puts its status in eax, and all leave with the calling site's pc,
    /// which the site stored in the context; a target block that does not fit the budget hands over at the target (a
    /// slow path). Emitted before the slow paths, which include those hand-overs.
    /// </summary>
    private void EmitCallxRoutines()
    {
        for (var register = 0; register < _callxRoutines.Length; register++)
        {
            var routine = _callxRoutines[register];
            if (!routine.IsValid)
            {
                continue;
            }

            var key = CallxKeyOf(register);
            var (outside, invalid, depth, leave) = (_a.CreateLabel(), _a.CreateLabel(), _a.CreateLabel(), _a.CreateLabel());
            var budget = key.Metering ? Defer(new(default, SlowPath.CallxBudget)) : depth;
            _a.Bind(routine);
            _a.Emit(CallxSequences.GetOrAdd(key, CaptureCallx), [outside, invalid, depth, budget]);
            _a.Bind(outside);
            _a.Emit(CallxFailureSequences[key.Register] ??= CaptureCallxFailures(key.Register), [invalid, depth, leave]);
            _a.Bind(leave);
            _a.mov(edx, __dword_ptr[Context + JitContext.PcOffset]);
            _a.jmp(StatusInEaxAnchor());
        }
    }

    private static readonly Macro?[] CallxFailureSequences = new Macro?[11];

    /// <summary>From its start (outside the text), label 0 (not an instruction start) or label 1 (too deep): the status in
    /// eax, then on to label 2.</summary>
    private static Macro CaptureCallxFailures(byte register) =>
        X64Emitter.Capture(3, (a, labels) =>
        {
            a.mov(Field(JitContext.FaultAddressOffset), R64[register]);
            a.mov(eax, (int)JitStatus.CallOutsideText);
            a.jmp(labels[2]);
            a.Bind(labels[0]);
            a.mov(Field(JitContext.FaultAddressOffset), R64[register]);
            a.mov(eax, (int)JitStatus.InvalidInstruction);
            a.jmp(labels[2]);
            a.Bind(labels[1]);
            a.mov(eax, (int)JitStatus.CallDepthExceeded);
        });

    private readonly record struct CallxKey(byte Register, bool Metering, int Frames, int FrameStride, bool EntersAnySlot);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<CallxKey, Macro> CallxSequences = new();

    /// <summary>
    /// The callx routine (called, so its return address is on the stack): to a code address, check the target is an
    /// aligned slot of the text whose code callx may enter (labels: 0 = outside the text, 1 = not an instruction start),
    /// push a frame (2 = too deep), charge the target's block from its pc to its end when metering (3 = does not fit),
    /// call, pop, return. Eight bytes of padding under the frame keep the callee's stack aligned as a local call's. As
    /// sbpf does it (<see cref="Profile.CallxEntersAnySlot"/>) the depth is checked first and a target between slots runs
    /// the slot it falls in; every slot has code to enter.
    /// </summary>
    private static Macro CaptureCallx(CallxKey key) =>
        X64Emitter.Capture(4, (a, labels) =>
        {
            var target = R64[key.Register];
            a.sub(rsp, 8);
            if (key.EntersAnySlot)
            {
                a.cmp(Field(JitContext.DepthOffset), key.Frames - 1);
                a.jae(labels[2]);
            }

            a.mov(rax, target);
            a.sub(rax, Field(JitContext.TextAddressOffset));
            a.cmp(rax, Field(JitContext.TextLengthOffset));
            a.jae(labels[0]);
            if (!key.EntersAnySlot)
            {
                a.test(al, 7);
                a.jnz(labels[0]);
            }

            a.shr(rax, 3);
            a.mov(rdx, Field(JitContext.CallxTableOffset));
            a.mov(rdx, __qword_ptr[rdx + rax * 8]);
            a.test(rdx, rdx);
            a.jz(labels[1]);
            EmitPushFrame(a, labels[2], key.Frames, key.FrameStride);
            if (key.Metering)
            {
                // Entering mid-block skips the block's entry check: charge from the target to its block's end.
                a.mov(Field(JitContext.ScratchOffset), rdx);
                a.mov(rdx, Field(JitContext.CallxChargeOffset));
                a.mov(rdx, __qword_ptr[rdx + rax * 8]);
                a.sub(Meter, rdx);
                a.jl(labels[3]);
                a.mov(rdx, Field(JitContext.ScratchOffset));
            }

            a.call(rdx);
            EmitPopFrame(a);
            a.add(rsp, 8);
            a.ret();
        });
}
