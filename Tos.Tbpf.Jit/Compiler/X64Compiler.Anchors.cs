using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Jit.Runtime;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>Entry, exit and the shared slow paths, emitted once per program.</summary>
internal sealed partial class X64Compiler
{
    private static readonly Iced.Intel.AssemblerRegister64[] HostCalleeSaved = [rbx, rbp, r12, r13, r14, r15];

    // The fixed sequences every program has (entry, common exit, the watermark routine): captured once per process and
    // copied, as emitting their sixty-odd instructions form by form was most of compiling a small program.
    private static Macro? _prologue, _commonExit, _raiseWatermarkRoutine;

    private void EmitPrologue() => _a.Emit(_prologue ??= X64Emitter.Capture(1, static (a, entry) =>
    {
        // SysV: save the callee-saved registers; 6 pushes + the return address leave rsp 8 off a 16-byte boundary.
        foreach (var register in HostCalleeSaved)
        {
            a.push(register);
        }

        a.sub(rsp, 8);
        a.mov(Context, rdi);
        a.mov(Field(JitContext.SavedRspOffset), rsp);
        for (var r = 0; r <= 10; r++)
        {
            a.mov(R64[r], Field(JitContext.RegistersOffset + r * 8));
        }

        a.mov(Meter, Field(JitContext.RemainingOffset));
        a.jmp(entry[0]);
    }), [BlockEntry(_executable.EntryPc)]);

    /// <summary>Where every failed syscall leaves (the pc is in the context by then).</summary>
    private CodeLabel SyscallFailedAnchor() => _syscallFailed ??= _a.CreateLabel();

    /// <summary>The anchor for stubs that leave the pc in edx and the status in eax.</summary>
    private CodeLabel StatusInEaxAnchor() => _statusInEax ??= _a.CreateLabel();

    /// <summary>The shared routine behind every store's slow path, emitted once when some store needs it.</summary>
    private CodeLabel RaiseWatermark()
    {
        if (_raiseWatermark is not { } label)
        {
            label = _a.CreateLabel();
            _raiseWatermark = label;
        }

        return label;
    }

    /// <summary>
    /// In: rax = end offset of a store in the region whose table entry is at rdx. If the end is within the store limit,
    /// the watermark becomes the end rounded up to 4 KiB (capped at the limit), rax is kept and CF is clear; else CF is set.
    /// </summary>
    private void EmitRaiseWatermark()
    {
        if (_raiseWatermark is not { } label)
        {
            return;
        }

        _a.Emit(_raiseWatermarkRoutine ??= X64Emitter.Capture(1, static (a, routine) =>
        {
            var limit = __qword_ptr[Context + rdx + (JitContext.RegionsOffset + JitContext.RegionStoreLimitOffset)];
            var refuse = a.CreateLabel();
            var capped = a.CreateLabel();
            a.Bind(routine[0]);
            a.cmp(rax, limit);
            a.ja(refuse);
            a.mov(Field(JitContext.ScratchOffset), rax);
            a.add(rax, 4095);
            a.and(rax, -4096);
            a.cmp(rax, limit);
            a.jbe(capped);
            a.mov(rax, limit);
            a.Bind(capped);
            a.mov(__qword_ptr[Context + rdx + (JitContext.RegionsOffset + JitContext.RegionWatermarkOffset)], rax);
            a.mov(rax, Field(JitContext.ScratchOffset));
            a.clc();
            a.ret();
            a.Bind(refuse);
            a.stc();
            a.ret();
        }), [label]);
    }

    private void EmitAnchors()
    {
        // Before the anchors: the shim routine asks for the failed-syscall one.
        EmitShimRoutine();
        // Before the watermark routine: a store's window routine may be the first to ask for it.
        EmitWindowMisses();
        EmitRaiseWatermark();
        // exit in frame 0: status Ok.
        _a.Bind(_exitOk);
        _a.mov(__dword_ptr[Context + JitContext.StatusOffset], (int)JitStatus.Ok);
        _a.jmp(_exit);

        // Error anchors: the stub put the pc in edx, or (entering at the blinded anchor) the pc xor the program's key.
        for (var status = JitStatus.Ok; status <= JitStatus.LddwTailReached; status++)
        {
            var (anchor, blinded) = (_anchors[(int)status], _blindedAnchors[(int)status]);
            if (!anchor.IsValid && !blinded.IsValid)
            {
                continue;
            }

            if (blinded.IsValid)
            {
                _a.Bind(blinded);
                _a.xor(edx, _pcKey!.Value);
            }

            if (anchor.IsValid)
            {
                _a.Bind(anchor);
            }

            _a.mov(__dword_ptr[Context + JitContext.PcOffset], edx);
            _a.mov(__dword_ptr[Context + JitContext.StatusOffset], (int)status);
            _a.jmp(_exit);
        }

        // A failed syscall: the shim call recorded the pc.
        if (_syscallFailed is { } syscallFailed)
        {
            _a.Bind(syscallFailed);
            _a.mov(__dword_ptr[Context + JitContext.StatusOffset], (int)JitStatus.SyscallFailed);
            _a.jmp(_exit);
        }

        // The same with the status in eax (stubs of one pc sharing its load).
        if (_statusInEax is { } statusInEax)
        {
            _a.Bind(statusInEax);
            _a.mov(__dword_ptr[Context + JitContext.PcOffset], edx);
            _a.mov(__dword_ptr[Context + JitContext.StatusOffset], eax);
            _a.jmp(_exit);
        }

        // Common exit: spill the guest registers and the meter, unwind any local-call frames, restore the host.
        _a.Emit(_commonExit ??= X64Emitter.Capture(1, static (a, exit) =>
        {
            a.Bind(exit[0]);
            for (var r = 0; r <= 10; r++)
            {
                a.mov(Field(JitContext.RegistersOffset + r * 8), R64[r]);
            }

            a.mov(Field(JitContext.RemainingOffset), Meter);
            a.mov(rsp, Field(JitContext.SavedRspOffset));
            a.add(rsp, 8);
            for (var i = HostCalleeSaved.Length - 1; i >= 0; i--)
            {
                a.pop(HostCalleeSaved[i]);
            }

            a.ret();
        }), [_exit]);
    }

    /// <summary>Block entry: <c>meter -= block_units; if (meter &lt; 0) hand over to the interpreter</c>.</summary>
    private void EmitBlockEntry(int pc)
    {
        if (!_blocks.IsLeader[pc])
        {
            return;
        }

        _a.Bind(BlockEntry(pc));
        if (LoopAt(pc) is { } site)
        {
            // Entering a counted loop: its guard may take the unchecked copy; the loop's own back-edge comes in below it.
            EmitLoopGuard(site.Loop, site.Fast);
            _a.Bind(site.Body);
        }
        if (!_options.Metering || !_blocks.Charges[pc])
        {
            return;
        }

        // The chain's units, less a refund this block takes over from the one jump that enters it: at or below zero
        // the meter only grows here, so there is nothing to check.
        var units = _blocks.EntryCharge[pc];
        if (units == 0)
        {
            return;
        }

        if (units < 0)
        {
            // A refund larger than the block: the meter only grows. Split like a charge when its value needs blinding.
            var part = NeedsBlinding(units) ? -ChargePart(-units) : units;
            _a.sub(Meter, part);
            if (part != units)
            {
                _a.sub(Meter, units - part);
            }

            return;
        }

        // The block's units are given back by the runtime (JitProgram.Finish), not here: one instruction less per block.
        // Only the charge's branch enters its hand-over stub, which patches it: no label.
        var form = ChargeForm(units, covered: false, out var first);
        DeferExit(JitStatus.BudgetBoundary, pc, _a.BranchingToPatch(form, first, units - first));
        _a.Bind(PastCharge(pc));
    }

    /// <summary><c>sub r11, units</c> and a branch to <paramref name="target"/> when the meter did not cover them (or,
    /// with <paramref name="covered"/>, when it did). A charge is as much the program's choice as a constant (a block of
    /// 0xc3c3 instructions), so one that needs blinding is made in two random parts.</summary>
    private void EmitCharge(int units, bool covered, CodeLabel target) =>
        _a.Branching(ChargeForm(units, covered, out var part), part, units - part, target);

    /// <summary>The form of that charge, and its first part (the whole charge unless it is split; the form's second value
    /// is the rest).</summary>
    private BranchingForm ChargeForm(int units, bool covered, out int part)
    {
        if (NeedsBlinding(units))
        {
            part = ChargePart(units);
            return covered ? BranchingForm.SplitChargeThenJumpIfCovered : BranchingForm.SplitChargeThenJumpIfShort;
        }

        part = units;
        return units <= sbyte.MaxValue
            ? covered ? BranchingForm.ChargeByteThenJumpIfCovered : BranchingForm.ChargeByteThenJumpIfShort
            : covered ? BranchingForm.ChargeThenJumpIfCovered : BranchingForm.ChargeThenJumpIfShort;
    }

    /// <summary>A random part of a charge of <paramref name="units"/> (at least 2), in 1..units − 1: neither it nor the
    /// rest equals the charge.</summary>
    private int ChargePart(int units) => 1 + (int)(_random.NextBits() % (ulong)(units - 1));

    /// <summary>A no-op before about one instruction in <see cref="NopRate"/>: enough that the layout of a program's code
    /// cannot be predicted from its bytecode, rare enough to cost nothing measurable (sbpf inserts at 1 in 256). The gap
    /// to the next one is drawn at random (uniform in 1..2·rate−1), not a coin per instruction.</summary>
    private void InsertNops()
    {
        if (!_options.NopInsertion || --_instructionsToNop > 0)
        {
            return;
        }

        _a.nop();
        _instructionsToNop = _random.Next(1, 2 * NopRate);
    }

    private int _instructionsToNop;

    private const int NopRate = 64;
}
