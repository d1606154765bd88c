using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Instruction = Tos.Tbpf.Isa.Instruction;
using Tos.Tbpf.Jit.Runtime;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>Loads, stores and atomics, with the region lookup and bounds check inline (no call on the fast path).</summary>
internal sealed partial class X64Compiler
{
    /// <summary>
    /// Points rax into host memory for an access of <paramref name="size"/> bytes at <c>base + offset</c>, or leaves
    /// through an access-violation stub; returns the displacement the access adds to rax.
    /// <para>Most programs (<see cref="_windowed"/>) check the address against the window of its base register and
    /// direction: a guest range last found accessible, kept in the context. A hit costs a subtract, one compare and an
    /// add (<c>vaddr - low &lt; span</c>, unsigned, with the span for the access size, then <c>+ host</c>); a miss
    /// calls the window routine, which checks the access in full and refills the windows from the region it fell in. A
    /// window never claims more than its region allows at the moment it is filled, and regions only grow during a run
    /// (watermarks rise), so a hit is always an access the full check accepts. Each run starts with the windows its
    /// code uses empty (JitProgram.Run).</para>
    /// <para>Programs whose regions are not linear (a gapped stack, a program region mapped from an offset) translate
    /// in full at every access: see <see cref="TranslateTail"/>.</para>
    /// </summary>
    private int EmitTranslate(int pc, byte baseRegister, short offset, int size, bool store)
    {
        EmitAddress(R64[baseRegister], offset);
        if (_windowed)
        {
            var window = JitContext.WindowOffset(baseRegister, store);
            _windowPairs |= 1u << (baseRegister * 2 + (store ? 1 : 0));
            var resume = _a.CreateLabel();
            // One slow path for both the miss and the fault it may find: the fault's exit follows the routine's call.
            var miss = Defer(new(default, SlowPath.WindowMissOrFault, JitStatus.AccessViolation, pc,
                Resume: resume, Routine: WindowMiss(size, store), Window: (short)window));
            _a.Emit(WindowCheck(baseRegister, store, size), [miss, resume]);
            return 0;
        }

        var fault = Stub(JitStatus.AccessViolation, pc);
        var shape = new TailShape(size, store, _profile.StackGapShift, _programStartChecked);
        var labels = new CodeLabel[shape.LabelCount];
        labels[0] = fault;
        if (store)
        {
            labels[2] = _a.CreateLabel();
            labels[1] = Defer(new(default, SlowPath.RaiseWatermark, Resume: labels[2], Fault: fault));
        }

        for (var i = store ? 3 : 1; i < labels.Length; i++)
        {
            labels[i] = _a.CreateLabel();
        }

        _a.Emit(TranslateTail(shape), labels);
        return -size;
    }

    // The window check of each base register, direction and size, and the call of the window routine from each pair of
    // windows: fixed sequences, captured once per process and copied (labels: the check's 0 = miss, 1 = resume; the
    // call's 0 = routine, 1 = resume, 2 = fault unless the fault's exit follows the call).
    private static readonly Macro?[] WindowChecks = new Macro?[11 * 8];

    private static readonly Macro?[] WindowMissCalls = new Macro?[JitContext.WindowCount];

    private static Macro WindowCheck(int register, bool store, int size)
    {
        var index = register * 8 + (store ? 4 : 0) + System.Numerics.BitOperations.Log2((uint)size);
        return WindowChecks[index] ??= CaptureWindowCheck(JitContext.WindowOffset(register, store), size);
    }

    private static Macro CaptureWindowCheck(int window, int size) => X64Emitter.Capture(2, (a, labels) =>
    {
        a.sub(rax, Field(window + JitContext.WindowLowOffset));
        a.cmp(rax, Field(window + JitContext.WindowSpanOffset(size)));
        a.jae(labels[0]);
        a.add(rax, Field(window + JitContext.WindowHostOffset));
        a.Bind(labels[1]);
    });

    /// <summary>The call of the window routine for the pair of windows at <paramref name="window"/>. With
    /// <paramref name="faultFollows"/> (an ordinary access, whose fault exit is emitted right after the call) a failed
    /// check falls through; otherwise it branches to label 2.</summary>
    private static Macro WindowMissCall(int window, bool faultFollows)
    {
        var pair = (window - JitContext.WindowsOffset) / (2 * JitContext.WindowEntrySize);
        return WindowMissCalls[pair * 2 + (faultFollows ? 1 : 0)] ??= X64Emitter.Capture(faultFollows ? 2 : 3, (a, labels) =>
        {
            // rdx = the windows' context offset (not the program's: nothing to blind).
            a.mov(edx, window);
            a.call(labels[0]);
            if (faultFollows)
            {
                a.jae(labels[1]); // jnc: the routine clears CF on success
            }
            else
            {
                a.jc(labels[2]);
                a.jmp(labels[1]);
            }
        });
    }

    /// <summary>The label of the window routine for one access size and direction, emitted once with the anchors.</summary>
    private CodeLabel WindowMiss(int size, bool store)
    {
        var index = System.Numerics.BitOperations.Log2((uint)size) + (store ? 4 : 0);
        return _windowMiss[index] ??= _a.CreateLabel();
    }

    /// <summary>
    /// In: rax = guest address minus the first window's low end, rdx = the context offset of the pair of windows. Tries
    /// the second window (two regions through one register, such as a table in rodata and an array on the stack, both
    /// hit); else checks the access in full (the same tail as an unwindowed access, raising the watermark for a store
    /// above it) and moves the first window to the second and fills the first with the region the access fell in (the
    /// whole loadable length for loads, up to the watermark for stores; a region shorter than 8 bytes leaves the windows
    /// as they were, which costs only speed). On success leaves rax = the host address of the access and CF clear; on
    /// failure sets CF. A window holds one span per access size, so every size hits up to the region's last byte.
    /// </summary>
    private static Macro CaptureWindowMiss(int size, bool store) => X64Emitter.Capture(store ? 2 : 1, (a, routine) =>
    {
        var fault = a.CreateLabel();
        var keep = a.CreateLabel();
        var full = a.CreateLabel();
        var labels = new CodeLabel[store ? 3 : 1];
        labels[0] = fault;
        var raise = store ? a.CreateLabel() : default;
        if (store)
        {
            labels[1] = raise;
            labels[2] = a.CreateLabel();
        }

        const int second = JitContext.WindowEntrySize;
        a.Bind(routine[0]);
        a.add(rax, __qword_ptr[Context + rdx + JitContext.WindowLowOffset]);
        a.sub(rax, __qword_ptr[Context + rdx + (second + JitContext.WindowLowOffset)]);
        a.cmp(rax, __qword_ptr[Context + rdx + (second + JitContext.WindowSpanOffset(size))]);
        a.jae(full);
        a.add(rax, __qword_ptr[Context + rdx + (second + JitContext.WindowHostOffset)]);
        a.clc();
        a.ret();
        a.Bind(full);
        a.add(rax, __qword_ptr[Context + rdx + (second + JitContext.WindowLowOffset)]);
        a.push(rdx);
        // rax = host address past the access, rdx = the region's table offset (index * 32).
        a.Emit(TranslateTail(new TailShape(size, store, 0, false)), labels);
        a.sub(rax, size);
        a.mov(Field(JitContext.ScratchOffset), rax);
        var length = store ? JitContext.RegionWatermarkOffset : JitContext.RegionLoadLengthOffset;
        a.mov(rax, __qword_ptr[Context + rdx + (JitContext.RegionsOffset + length)]);
        a.cmp(rax, 8);
        a.jb(keep);
        a.mov(Field(JitContext.Scratch2Offset), rax);
        a.mov(rax, __qword_ptr[Context + rdx + (JitContext.RegionsOffset + JitContext.RegionHostOffset)]);
        a.mov(Field(JitContext.Scratch3Offset), rax);
        // The region's guest base: index << 32 = (index * 32) << 27.
        a.mov(rax, rdx);
        a.shl(rax, 32 - 5);
        a.pop(rdx);
        a.push(rax);
        for (var field = 0; field < JitContext.WindowEntrySize; field += 8)
        {
            a.mov(rax, __qword_ptr[Context + rdx + field]);
            a.mov(__qword_ptr[Context + rdx + (second + field)], rax);
        }

        a.pop(rax);
        a.mov(__qword_ptr[Context + rdx + JitContext.WindowLowOffset], rax);
        a.mov(rax, Field(JitContext.Scratch3Offset));
        a.mov(__qword_ptr[Context + rdx + JitContext.WindowHostOffset], rax);
        // Accesses of size s may start at offsets below length - s + 1.
        a.mov(rax, Field(JitContext.Scratch2Offset));
        a.mov(__qword_ptr[Context + rdx + JitContext.WindowSpanOffset(1)], rax);
        a.sub(rax, 1);
        a.mov(__qword_ptr[Context + rdx + JitContext.WindowSpanOffset(2)], rax);
        a.sub(rax, 2);
        a.mov(__qword_ptr[Context + rdx + JitContext.WindowSpanOffset(4)], rax);
        a.sub(rax, 4);
        a.mov(__qword_ptr[Context + rdx + JitContext.WindowSpanOffset(8)], rax);
        a.mov(rax, Field(JitContext.ScratchOffset));
        a.clc();
        a.ret();
        a.Bind(keep);
        a.pop(rdx);
        a.mov(rax, Field(JitContext.ScratchOffset));
        a.clc();
        a.ret();
        a.Bind(fault);
        a.pop(rdx);
        a.stc();
        a.ret();
        if (store)
        {
            // routine[1]: the shared watermark routine.
            a.Bind(raise);
            a.call(routine[1]);
            a.jc(fault);
            a.jmp(labels[2]);
        }
    });

    // The window routines by access size and direction: fixed sequences of some fifty instructions, captured once per
    // process (label 0 = the routine's entry, bound at its start; 1 = the watermark routine, for stores). Emitted form
    // by form they were about a microsecond each of compiling a small program.
    private static readonly Macro?[] WindowMissRoutines = new Macro?[8];

    /// <summary>Emits the window routines some access called for.</summary>
    private void EmitWindowMisses()
    {
        for (var index = 0; index < _windowMiss.Length; index++)
        {
            if (_windowMiss[index] is { } label)
            {
                var store = index >= 4;
                var routine = WindowMissRoutines[index] ??= CaptureWindowMiss(1 << (index & 3), store);
                _a.Emit(routine, store ? [label, RaiseWatermark()] : [label]);
            }
        }
    }

    /// <summary>What a translation tail checks: the access size and direction, the stack's gaps (sbpf V0) and whether the
    /// program region starts above offset 0 (a V0 Solana .so). Labels: 0 = fault; for stores 1 = raise the watermark,
    /// 2 = resume; then, bound inside, two for the gapped stack path and one past the program-start check.</summary>
    private readonly record struct TailShape(int Size, bool Store, int GapShift, bool ProgramStart)
    {
        public int LabelCount => (Store ? 3 : 1) + (GapShift != 0 ? 2 : 0) + (ProgramStart ? 1 : 0);
    }

    // The check after the address: the same bytes for every access of one shape, so it is captured once per process and
    // copied. The plain shapes (by far the most used) sit in an array; the others in a dictionary, whose keys are bounded
    // (4 sizes, 2 directions, 32 gap shifts, 2 program-start flags).
    private static readonly Macro?[] TranslateTails = new Macro?[8];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<TailShape, Macro> SpecialTranslateTails = new();

    private static Macro TranslateTail(TailShape shape)
    {
        if (shape.GapShift != 0 || shape.ProgramStart)
        {
            return SpecialTranslateTails.TryGetValue(shape, out var known) ? known : SpecialTranslateTails.GetOrAdd(shape, CaptureTranslateTail(shape));
        }

        var index = System.Numerics.BitOperations.Log2((uint)shape.Size) + (shape.Store ? 4 : 0);
        return TranslateTails[index] ??= CaptureTranslateTail(shape);
    }

    // Apart from TranslateTail, so that its lambda's captures are allocated only when a tail is first captured.
    private static Macro CaptureTranslateTail(TailShape shape)
    {
        var (size, store, gapShift) = (shape.Size, shape.Store, shape.GapShift);
        return X64Emitter.Capture(shape.LabelCount, (a, labels) =>
        {
            var next = store ? 3 : 1;
            a.mov(rdx, rax);
            a.shr(rdx, 32);
            a.cmp(rdx, Field(JitContext.RegionCountOffset));
            a.jae(labels[0]);
            a.mov(eax, eax);
            if (shape.ProgramStart)
            {
                // The program region is mapped from its first section on: an offset below it faults.
                var past = labels[next + (gapShift != 0 ? 2 : 0)];
                a.cmp(edx, Memory.MemoryMap.ProgramIndex);
                a.jne(past);
                a.cmp(rax, Field(JitContext.ProgramStartOffset));
                a.jb(labels[0]);
                a.Bind(past);
            }

            if (gapShift != 0)
            {
                // The stack: an offset with the gap bit set faults; otherwise its backing offset is
                // (offset + (offset mod frame)) / 2, which drops the gap bit (see MemoryRegion.Ungap).
                var (contiguous, join) = (labels[next], labels[next + 1]);
                a.cmp(edx, Memory.MemoryMap.StackIndex);
                a.jne(contiguous);
                a.test(eax, 1 << gapShift);
                a.jnz(labels[0]);
                a.mov(edx, eax);
                a.and(edx, (1 << gapShift) - 1);
                a.add(rax, rdx);
                a.shr(rax, 1);
                a.mov(edx, Memory.MemoryMap.StackIndex << 5);
                a.jmp(join);
                a.Bind(contiguous);
                a.shl(edx, 5);
                a.Bind(join);
            }
            else
            {
                a.shl(edx, 5);
            }

            a.add(rax, size);
            var length = store ? JitContext.RegionWatermarkOffset : JitContext.RegionLoadLengthOffset;
            a.cmp(rax, __qword_ptr[Context + rdx + (JitContext.RegionsOffset + length)]);
            if (store)
            {
                a.ja(labels[1]);
                a.Bind(labels[2]);
            }
            else
            {
                a.ja(labels[0]);
            }

            a.add(rax, __qword_ptr[Context + rdx + (JitContext.RegionsOffset + JitContext.RegionHostOffset)]);
        });
    }

    /// <summary><c>rax = base + offset</c>. The offset is the program's: with blinding on it never appears as such in the
    /// code, only split into a random part and the rest (<c>lea rax, [base + (offset - key)]; add rax, key</c>).</summary>
    private void EmitAddress(AssemblerRegister64 b, short offset) =>
        EmitAddress(b, offset, NeedsBlinding(offset) ? OffsetKey(offset) : null);

    /// <summary>The same with the blinding key drawn (<paramref name="key"/>), or none.</summary>
    private void EmitAddress(AssemblerRegister64 b, short offset, int? key)
    {
        if (key is not { } k)
        {
            _a.lea(rax, __[b + offset]);
            return;
        }

        _a.lea(rax, __[b + (offset - k)]);
        _a.add(rax, k);
    }

    /// <summary>
    /// An access through r10 with a constant offset inside the current frame: <c>[r10 + offset, r10 + offset + size)</c>
    /// within <c>[r10 - frame size, r10)</c>. r10 cannot be written and always points at the top of a frame of the stack
    /// region, so such an access can neither fault nor leave the region: it needs no check. A store there needs no
    /// watermark bookkeeping either, because every frame a program can be in counts as written (frame 0 from the start,
    /// each deeper one at the call that enters it).
    /// </summary>
    private bool IsFrameAccess(Instruction ins) => IsFrameAccess(ins, _profile.StackFrameSize);

    /// <summary>The same, for a frame of <paramref name="frameSize"/> bytes.</summary>
    private static bool IsFrameAccess(Instruction ins, int frameSize)
    {
        if (ins.Op is Op.LddwTail or Op.Invalid || ins.Info.Kind is not (InstructionKind.Load or InstructionKind.Store))
        {
            return false;
        }

        var row = ins.Info;
        var isLoad = row.Kind == InstructionKind.Load;
        var baseRegister = isLoad ? ins.Src : ins.Dst;
        return baseRegister == 10 && ins.Offset >= -frameSize && ins.Offset + row.AccessSize <= 0;
    }

    private void EmitLoadStore(int pc, Instruction ins, OpcodeInfo row)
    {
        var size = row.AccessSize;
        var isLoad = row.Shape == OperandShape.Load;
        int at;
        if (_frameAccessesUnchecked && IsFrameAccess(ins))
        {
            // host = (stack host - stack guest base) + r10; the access is at host + offset. With blinding the offset is
            // split between the lea and the access, as in EmitAddress.
            _a.mov(rax, Field(JitContext.StackBiasOffset));
            if (NeedsBlinding(ins.Offset))
            {
                var key = OffsetKey(ins.Offset);
                _a.lea(rax, __[rax + R64[10] + (ins.Offset - key)]);
                at = key;
            }
            else
            {
                _a.add(rax, R64[10]);
                at = ins.Offset;
            }
        }
        else if (TryEmitWindowedAccess(pc, ins, row))
        {
            return;
        }
        else
        {
            at = EmitTranslate(pc, isLoad ? ins.Src : ins.Dst, ins.Offset, size, store: !isLoad);
        }

        EmitAccess(ins, size, at);
    }

    /// <summary>The access itself, at host address <c>rax + at</c>.</summary>
    private void EmitAccess(Instruction ins, int size, int at) => EmitAccess(ins, size, rax, null, at);

    /// <summary>The access itself, at host address <c>b + index + at</c> (a counted loop's copy addresses memory as the
    /// guest base register plus the host offset, in one instruction).</summary>
    private void EmitAccess(Instruction ins, int size, AssemblerRegister64 b, AssemblerRegister64? index, int at)
    {
        var address = index is { } i ? b + i + at : b + at;
        var d = R64[ins.Dst];
        var d32 = R32[ins.Dst];
        switch (ins.Op)
        {
            case Op.LdxB: _a.movzx(d32, __byte_ptr[address]); break;
            case Op.LdxH: _a.movzx(d32, __word_ptr[address]); break;
            case Op.LdxW: _a.mov(d32, __dword_ptr[address]); break;
            case Op.LdxDw: _a.mov(d, __qword_ptr[address]); break;
            case Op.LdxSB: _a.movsx(d, __byte_ptr[address]); break;
            case Op.LdxSH: _a.movsx(d, __word_ptr[address]); break;
            case Op.LdxSW: _a.movsxd(d, __dword_ptr[address]); break;
            case Op.StxB: _a.mov(__byte_ptr[address], R8[ins.Src]); break;
            case Op.StxH: _a.mov(__word_ptr[address], R16[ins.Src]); break;
            case Op.StxW: _a.mov(__dword_ptr[address], R32[ins.Src]); break;
            case Op.StxDw: _a.mov(__qword_ptr[address], R64[ins.Src]); break;
            default: EmitStoreImmediate(ins, size, address); break;
        }
    }

    private void EmitStoreImmediate(Instruction ins, int size, AssemblerMemoryOperand address)
    {
        if (!NeedsBlinding(ins.Imm32))
        {
            switch (size)
            {
                case 1: _a.mov(__byte_ptr[address], (byte)ins.Imm32); break;
                case 2: _a.mov(__word_ptr[address], (short)ins.Imm32); break;
                case 4: _a.mov(__dword_ptr[address], ins.Imm32); break;
                default: _a.mov(__qword_ptr[address], ins.Imm32); break;
            }

            return;
        }

        // rdx is free (the address is in rax, or in eBPF registers); a sign-extended 32-bit value needs no second scratch.
        LoadImmediate(rdx, ins.Imm32, rdx);
        switch (size)
        {
            case 1: _a.mov(__byte_ptr[address], dl); break;
            case 2: _a.mov(__word_ptr[address], dx); break;
            case 4: _a.mov(__dword_ptr[address], edx); break;
            default: _a.mov(__qword_ptr[address], rdx); break;
        }
    }

    /// <summary>
    /// Atomics. A run owns its memory and runs on one thread, so no other agent can observe the read-modify-write;
    /// plain (unlocked) x86 forms give the same results faster. Fetching or/and/xor have no x86 form:
    /// <c>old = [m]; [m] op= src; src = old</c>.
    /// </summary>
    private void EmitAtomic(int pc, Instruction ins, OpcodeInfo row)
    {
        var is64 = row.Is64;
        var size = row.AccessSize;
        var at = EmitTranslate(pc, ins.Dst, ins.Offset, size, store: true);
        var m = is64 ? __qword_ptr[rax + at] : __dword_ptr[rax + at];
        var s = R64[ins.Src];
        var s32 = R32[ins.Src];
        var operation = row.Atomic;
        switch (operation)
        {
            case AtomicOperation.Add: if (is64) _a.add(m, s); else _a.add(m, s32); break;
            case AtomicOperation.Or: if (is64) _a.or(m, s); else _a.or(m, s32); break;
            case AtomicOperation.And: if (is64) _a.and(m, s); else _a.and(m, s32); break;
            case AtomicOperation.Xor: if (is64) _a.xor(m, s); else _a.xor(m, s32); break;
            case AtomicOperation.FetchAdd: if (is64) _a.xadd(m, s); else _a.xadd(m, s32); break;
            case AtomicOperation.FetchOr or AtomicOperation.FetchAnd or AtomicOperation.FetchXor:
                if (is64) _a.mov(rdx, m); else _a.mov(edx, m);
                switch (operation)
                {
                    case AtomicOperation.FetchOr: if (is64) _a.or(m, s); else _a.or(m, s32); break;
                    case AtomicOperation.FetchAnd: if (is64) _a.and(m, s); else _a.and(m, s32); break;
                    default: if (is64) _a.xor(m, s); else _a.xor(m, s32); break;
                }

                if (is64) _a.mov(s, rdx); else _a.mov(s32, edx);
                break;
            case AtomicOperation.Xchg: if (is64) _a.xchg(m, s); else _a.xchg(m, s32); break;
            default:
                // cmpxchg compares with rax: move the address to rdx, r0 to rax, and r0 receives the old value.
                _a.mov(rdx, rax);
                var md = is64 ? __qword_ptr[rdx + at] : __dword_ptr[rdx + at];
                if (is64)
                {
                    _a.mov(rax, R64[0]);
                    _a.cmpxchg(md, s);
                    _a.mov(R64[0], rax);
                }
                else
                {
                    _a.mov(eax, R32[0]);
                    _a.cmpxchg(md, s32);
                    _a.mov(R32[0], eax);
                }

                break;
        }
    }
}
