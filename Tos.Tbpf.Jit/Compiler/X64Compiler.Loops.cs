using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Jit.Runtime;
using Instruction = Tos.Tbpf.Isa.Instruction;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// A counted loop: one basic block <c>[Head, End]</c> that ends with <c>jne v, bound</c> or <c>jlt v, bound</c> back to
/// its head, where the induction register <c>v</c> is written once in the block, by <c>add64 v, step</c> (an immediate
/// power of two from 1 to 256, or a register the block does not write), the bound is an immediate or a register the
/// block does not write, and the block's one memory access is at <c>v + constant</c> or <c>r + v + constant</c> with
/// <c>r</c> not written in the block (before the step, when the step is a register). Everything else in it is ALU work
/// that cannot fail. The trip count is then known on entry, and with it every address the loop will touch.
/// </summary>
/// <param name="Head">The loop's first pc (a block entry).</param>
/// <param name="End">The pc of its <c>jne</c> or <c>jlt</c>.</param>
/// <param name="Induction">The register <c>v</c>.</param>
/// <param name="StepLog2">The step's base-2 logarithm, or -1 when the step is a register.</param>
/// <param name="StepRegister">The register the step is in (not written in the block), or -1 for an immediate step.</param>
/// <param name="Below">The loop runs while <c>v &lt; bound</c> (<c>jlt</c>, unsigned) rather than while <c>v != bound</c>.</param>
/// <param name="Access">The pc of the load or store.</param>
/// <param name="Addend">The unchanging register added to <c>v</c> in the address, or -1.</param>
/// <param name="Displacement">The address's constant: what was added to <c>v</c> before the access, plus its offset.</param>
/// <param name="Spare">An eBPF register the block does not use: its x86 register holds the host offset in the fast copy.</param>
internal readonly record struct CountedLoop(int Head, int End, int Induction, int StepLog2, int StepRegister, bool Below,
    int Access, int Addend, long Displacement, int Spare);

/// <summary>
/// Counted loops run a second, unchecked copy when a guard at their head proves that every iteration's access lands in
/// the window its base register already has, and (metered) that the budget covers every iteration. The copy addresses
/// memory as <c>[base + host offset]</c> with the offset in a borrowed register, and charges nothing per iteration: the
/// guard charged the whole loop at once, exactly what the per-block meter would have taken over the same iterations.
/// Nothing in the copy can fail, so no error, error pc or unit count can differ from the checked loop, which runs
/// whenever the guard cannot prove its case (a trip count that does not divide, an access that would fault at some
/// iteration, a budget that runs out inside the loop): there the checked code stops at the exact instruction, as ever.
/// <para>A window only ever claims what its region allowed when it was filled, and regions only grow during a run; a
/// store window stays below the region's watermark. Both ends of the loop's address range inside one window puts the whole
/// range there.</para>
/// </summary>
internal sealed partial class X64Compiler
{
    private const int MaxStepLog2 = 8;

    /// <summary>Loops past this many keep only their checked code: a guard and a copy cost several times the loop's own
    /// compile time, and real contracts have a handful of loops, while a 1 MiB program of nothing but three-slot loops
    /// (43 690 of them) took 140 ms to compile with every one guarded, past the 100 ms bound on any program.</summary>
    private const int MaxCountedLoops = 1024;

    // The loops found, and for each pc 1 + the index of the loop headed there (0: none). A per-pc array of the loops
    // themselves took 6 MB for a 1 MiB program of loops.
    private readonly List<LoopSite> _loopSites = [];
    private int[]? _loopAt;

    /// <summary>A counted loop and its two labels: below its guard (where its own back-edge lands) and its copy.</summary>
    private readonly record struct LoopSite(CountedLoop Loop, CodeLabel Body, CodeLabel Fast);

    /// <summary>The counted loop headed at <paramref name="pc"/>, if any.</summary>
    private LoopSite? LoopAt(long pc) => _loopAt is { } at && at[pc] > 0 ? _loopSites[at[pc] - 1] : null;

    /// <summary>Finds the counted loops (only where accesses are windowed, and callx cannot land inside a loop).</summary>
    private void FindCountedLoops()
    {
        if (!_windowed || _labelEveryInstruction)
        {
            return;
        }

        var jumps = _blocks.BackwardConditionalJumps;
        for (var i = 0; i < jumps.Count && _loopSites.Count < MaxCountedLoops; i++)
        {
            var end = jumps[i];
            if (end < 1 || end >= _code.Length - 1)
            {
                continue;
            }

            // Every jump listed goes back (its target is at or before it): only the kind of jump is left to check.
            var jump = _code[end];
            var target = jump.Op is Op.Jne64Imm or Op.Jne64Reg or Op.Jlt64Imm or Op.Jlt64Reg ? jump.BranchTarget(end) : -1;
            if (target < 0 || AnalyzeLoop((int)target, end) is not { } loop)
            {
                continue;
            }

            var head = (int)target;
            _loopAt ??= new int[_code.Length];
            if (_loopAt[head] == 0)
            {
                _loopSites.Add(new LoopSite(loop, _a.CreateLabel(), _a.CreateLabel()));
                _loopAt[head] = _loopSites.Count;
            }
        }
    }

    private CountedLoop? AnalyzeLoop(int head, int end)
    {
        if (!_blocks.IsLeader[head] || !_blocks.IsLeader[end + 1])
        {
            return null;
        }

        for (var pc = head + 1; pc <= end; pc++)
        {
            if (_blocks.IsLeader[pc])
            {
                return null;
            }
        }

        // Which registers the block writes (and how often), which it mentions at all, and where its one access is.
        Span<int> writes = stackalloc int[11];
        Span<bool> used = stackalloc bool[11];
        var access = -1;
        for (var pc = head; pc < end; pc++)
        {
            var ins = _code[pc];
            if (ins.Op == Op.LddwTail)
            {
                continue;
            }

            var row = ins.Info;
            // Every register an instruction names counts as used (movsx reads a source though it is a unary
            // instruction): the spare register must be one the block never touches.
            used[ins.Dst] |= row.UsedFields.HasFlag(InstructionFields.Dst);
            used[ins.Src] |= row.UsedFields.HasFlag(InstructionFields.Src);
            switch (row.Kind)
            {
                case InstructionKind.BinaryAlu when row.Alu is not (AluOperation.Div or AluOperation.SDiv or AluOperation.Mod or AluOperation.SMod):
                case InstructionKind.UnaryAlu or InstructionKind.LoadImm64:
                    writes[ins.Dst]++;
                    break;
                case InstructionKind.Load or InstructionKind.Store when access < 0:
                    access = pc;
                    writes[ins.Dst] += row.Kind == InstructionKind.Load ? 1 : 0;
                    break;
                default:
                    return null;
            }
        }

        var jump = _code[end];
        var v = jump.Dst;
        used[v] = true;
        var boundIsRegister = jump.Op is Op.Jne64Reg or Op.Jlt64Reg;
        used[jump.Src] |= boundIsRegister;

        if (access < 0 || writes[v] != 1 || (boundIsRegister && (writes[jump.Src] != 0 || jump.Src == v)))
        {
            return null;
        }

        // Walk the block once more with each register's value in terms of v at the iteration's start: IV(k) is v + k,
        // Sum(r, k) is r + v + k with r unchanged by the block, Invariant(r, k) is r + k.
        Span<Symbol> symbols = stackalloc Symbol[11];
        for (var r = 0; r < 11; r++)
        {
            symbols[r] = writes[r] == 0 ? new Symbol(SymbolKind.Invariant, r, 0) : new Symbol(SymbolKind.Unknown, -1, 0);
        }

        symbols[v] = new Symbol(SymbolKind.Induction, -1, 0);
        var stepLog2 = -1;
        var stepRegister = -1;
        Symbol? address = null;
        for (var pc = head; pc < end; pc++)
        {
            var ins = _code[pc];
            if (ins.Op == Op.LddwTail)
            {
                continue;
            }

            var row = ins.Info;
            if (pc == access)
            {
                var isLoad = row.Kind == InstructionKind.Load;
                var baseSymbol = symbols[isLoad ? ins.Src : ins.Dst];
                address = baseSymbol with { Constant = baseSymbol.Constant + ins.Offset };
                if (isLoad)
                {
                    symbols[ins.Dst] = new Symbol(SymbolKind.Unknown, -1, 0);
                }

                continue;
            }

            var d = symbols[ins.Dst];
            if (ins.Dst == v)
            {
                // The one write of v: add64 v, step, with an immediate power of two or a register the block keeps.
                if (ins.Op == Op.Add64Reg && ins.Src != v && writes[ins.Src] == 0)
                {
                    // Its value is not known here: an access after it no longer has a constant offset from v.
                    stepRegister = ins.Src;
                    symbols[v] = new Symbol(SymbolKind.Unknown, -1, 0);
                    continue;
                }

                if (ins.Op != Op.Add64Imm || ins.Imm32 <= 0 || (ins.Imm32 & (ins.Imm32 - 1)) != 0
                    || System.Numerics.BitOperations.Log2((uint)ins.Imm32) > MaxStepLog2)
                {
                    return null;
                }

                stepLog2 = System.Numerics.BitOperations.Log2((uint)ins.Imm32);
                symbols[v] = d with { Constant = d.Constant + ins.Imm32 };
                continue;
            }

            symbols[ins.Dst] = ins.Op switch
            {
                Op.Mov64Reg => symbols[ins.Src],
                Op.Add64Imm when d.Kind != SymbolKind.Unknown => d with { Constant = d.Constant + ins.Imm32 },
                Op.Add64Reg => Add(d, symbols[ins.Src]),
                _ => new Symbol(SymbolKind.Unknown, -1, 0),
            };
        }

        if ((stepLog2 < 0 && stepRegister < 0) || address is not { Kind: SymbolKind.Induction or SymbolKind.Sum } at
            || at.Constant != (int)at.Constant)
        {
            return null;
        }

        // A register the block never mentions lends its x86 register to the fast copy (callee-saved ones first).
        var spare = -1;
        foreach (var candidate in (ReadOnlySpan<int>)[6, 7, 8, 9, 0, 1, 2, 3, 4, 5])
        {
            if (!used[candidate])
            {
                spare = candidate;
                break;
            }
        }

        // The guard multiplies the trip count by the units per iteration as an immediate: a loop whose count is the
        // program's choice beyond one byte (a body of 0x4142 instructions) keeps its checked code, as nothing blinds it.
        if (spare < 0 || (_options.Metering && (PerIteration(head, end) <= 0 || NeedsBlinding(PerIteration(head, end)))))
        {
            return null;
        }

        return new CountedLoop(head, end, v, stepLog2, stepRegister, jump.Op is Op.Jlt64Imm or Op.Jlt64Reg, access,
            at.Kind == SymbolKind.Sum ? at.Register : -1, at.Constant, spare);

        static Symbol Add(Symbol left, Symbol right) => (left.Kind, right.Kind) switch
        {
            (SymbolKind.Invariant, SymbolKind.Induction) => new Symbol(SymbolKind.Sum, left.Register, left.Constant + right.Constant),
            (SymbolKind.Induction, SymbolKind.Invariant) => new Symbol(SymbolKind.Sum, right.Register, left.Constant + right.Constant),
            _ => new Symbol(SymbolKind.Unknown, -1, 0),
        };
    }

    private enum SymbolKind : byte
    {
        Unknown,
        Invariant,
        Induction,
        Sum,
    }

    private readonly record struct Symbol(SymbolKind Kind, int Register, long Constant);

    /// <summary>What one taken iteration costs the meter: the head's charge less the refund of its back-edge.</summary>
    private int PerIteration(int head, int end) =>
        (_blocks.Charges[head] ? _blocks.EntryCharge[head] : 0) - Math.Max(0, _blocks.RefundWhenTaken(end));

    /// <summary>
    /// At the loop's head, before its charge: the trip count n (see the two trip-count methods; below 2^32),
    /// then the units of <c>n</c> iterations (<c>n × head charge - (n - 1) × back-edge refund</c>) against the meter,
    /// then the last and the first address against the base register's window (a miss at the last address refills the
    /// window from its region, raising a store's watermark, as the access itself would), then the charge, and into the
    /// fast copy. Any other outcome continues into the checked loop with everything as it was.
    /// </summary>
    private void EmitLoopGuard(CountedLoop loop, CodeLabel fast)
    {
        var checkedLoop = _a.CreateLabel();
        var restore = _a.CreateLabel();
        var jump = _code[loop.End];
        var v = R64[loop.Induction];
        var spare = R64[loop.Spare];
        if (jump.Op is Op.Jne64Reg or Op.Jlt64Reg)
        {
            _a.mov(rax, R64[jump.Src]);
        }
        else
        {
            LoadImmediate(rax, jump.Imm32, rdx);
        }

        if (loop.StepRegister >= 0)
        {
            // A register step: nonzero and below 2^32, so that the division below cannot trap and n * step cannot wrap.
            var step = R64[loop.StepRegister];
            _a.test(step, step);
            _a.jz(checkedLoop);
            _a.mov(rdx, step);
            _a.shr(rdx, (byte)32);
            _a.jnz(checkedLoop);
        }

        if (loop.Below)
        {
            EmitBelowTripCount(loop, v, checkedLoop);
        }
        else
        {
            EmitExactTripCount(loop, v, checkedLoop);
        }

        _a.mov(rdx, rax);
        _a.shr(rdx, (byte)32);
        _a.jnz(checkedLoop);
        _a.mov(Field(JitContext.LoopSpareOffset), spare);
        _a.mov(spare, rax);
        if (_options.Metering)
        {
            EmitLoopUnits(loop, spare);
            _a.cmp(Meter, rdx);
            _a.jl(restore);
        }

        var access = _code[loop.Access];
        var row = access.Info;
        var store = row.Kind == InstructionKind.Store;
        var baseRegister = store ? access.Dst : access.Src;
        var window = JitContext.WindowOffset(baseRegister, store);
        _windowPairs |= 1u << (baseRegister * 2 + (store ? 1 : 0));

        // The last address: first + (n - 1) * step.
        _a.lea(rax, __[spare - 1]);
        if (loop.StepRegister >= 0)
        {
            _a.imul(rax, R64[loop.StepRegister]);
        }
        else if (loop.StepLog2 > 0)
        {
            _a.shl(rax, (byte)loop.StepLog2);
        }

        EmitLoopAddress(loop);
        var lastChecked = _a.CreateLabel();
        var miss = Defer(new(default, SlowPath.WindowMiss, Window: (short)window, Resume: lastChecked, Fault: restore,
            Routine: WindowMiss(row.AccessSize, store)));
        _a.Emit(WindowCheck(baseRegister, store, row.AccessSize), [miss, lastChecked]);

        // The first address, against the window the last one hit (a miss here means they are in different regions).
        _a.xor(eax, eax);
        EmitLoopAddress(loop);
        var firstChecked = _a.CreateLabel();
        _a.Emit(WindowCheck(baseRegister, store, row.AccessSize), [restore, firstChecked]);

        if (_options.Metering)
        {
            EmitLoopUnits(loop, spare);
            _a.sub(Meter, rdx);
        }

        _a.mov(spare, Field(window + JitContext.WindowHostOffset));
        _a.sub(spare, Field(window + JitContext.WindowLowOffset));
        _a.jmp(fast);
        _a.Bind(restore);
        _a.mov(spare, Field(JitContext.LoopSpareOffset));
        _a.Bind(checkedLoop);
    }

    /// <summary>
    /// <c>jne</c>: rax = bound in, rax = n out, where <c>v + n × step = bound</c> (mod 2^64) for the first time:
    /// <c>(bound - v) / step</c> when the step divides it and it is not 0 (else the loop never meets its bound, or only
    /// after wrapping: the checked loop runs).
    /// </summary>
    private void EmitExactTripCount(CountedLoop loop, AssemblerRegister64 v, CodeLabel checkedLoop)
    {
        _a.sub(rax, v);
        _a.jz(checkedLoop);
        if (loop.StepRegister >= 0)
        {
            _a.xor(edx, edx);
            _a.div(R64[loop.StepRegister]);
            _a.test(rdx, rdx);
            _a.jnz(checkedLoop);
        }
        else if (loop.StepLog2 > 0)
        {
            _a.test(rax, (1 << loop.StepLog2) - 1);
            _a.jnz(checkedLoop);
            _a.shr(rax, (byte)loop.StepLog2);
        }
    }

    /// <summary>
    /// <c>jlt</c> (unsigned): rax = bound in, rax = n out, the iterations until <c>v + n × step &gt;= bound</c>: 1 when v is
    /// already there, else <c>ceil((bound - v) / step)</c>. Only for v and bound below 2^63 (and a step below 2^32), where
    /// v cannot wrap before it reaches the bound; otherwise the checked loop runs.
    /// </summary>
    private void EmitBelowTripCount(CountedLoop loop, AssemblerRegister64 v, CodeLabel checkedLoop)
    {
        var positive = _a.CreateLabel();
        var counted = _a.CreateLabel();
        _a.mov(rdx, rax);
        _a.or(rdx, v);
        _a.jl(checkedLoop);
        _a.sub(rax, v);
        _a.jg(positive);
        _a.mov(eax, 1);
        _a.jmp(counted);
        _a.Bind(positive);
        if (loop.StepRegister >= 0)
        {
            var step = R64[loop.StepRegister];
            _a.add(rax, step);
            _a.sub(rax, 1);
            _a.xor(edx, edx);
            _a.div(step);
        }
        else if (loop.StepLog2 > 0)
        {
            _a.add(rax, (1 << loop.StepLog2) - 1);
            _a.shr(rax, (byte)loop.StepLog2);
        }

        _a.Bind(counted);
    }

    /// <summary><c>rdx = n × head charge - (n - 1) × refund</c>, with n in <paramref name="count"/>.</summary>
    private void EmitLoopUnits(CountedLoop loop, AssemblerRegister64 count)
    {
        var refund = Math.Max(0, _blocks.RefundWhenTaken(loop.End));
        _a.imul(rdx, count, PerIteration(loop.Head, loop.End));
        if (refund > 0)
        {
            _a.add(rdx, refund);
        }
    }

    /// <summary><c>rax += v (+ addend) + displacement</c>: the access's address in the iteration rax counts from.</summary>
    private void EmitLoopAddress(CountedLoop loop)
    {
        _a.add(rax, R64[loop.Induction]);
        if (loop.Addend >= 0)
        {
            _a.add(rax, R64[loop.Addend]);
        }

        if (loop.Displacement != 0)
        {
            if (NeedsBlinding(loop.Displacement))
            {
                LoadImmediate(rdx, loop.Displacement, rdx);
                _a.add(rax, rdx);
            }
            else
            {
                _a.add(rax, (int)loop.Displacement);
            }
        }
    }

    /// <summary>The fast copies, after the main code: the block again, its access at <c>[base + spare]</c> and no meter,
    /// looping on its own jump; on leaving, the spare register gets its value back and the code goes on after the loop.</summary>
    private void EmitFastLoops()
    {
        foreach (var (loop, _, top) in _loopSites)
        {
            // The copy starts a 64-byte line: a loop this short that straddles two lines fetches both every iteration
            // (mem_sum's ran 50% slower when a blinded constant before it moved it across one). The padding is never run.
            _a.AlignWithTraps(64);
            _a.Bind(top);
            for (var pc = loop.Head; pc < loop.End; pc++)
            {
                var ins = _code[pc];
                if (ins.Op == Op.LddwTail)
                {
                    continue;
                }

                if (pc == loop.Access)
                {
                    EmitFastAccess(ins, R64[loop.Spare]);
                }
                else if (TryEmitMoveAdd(pc))
                {
                    pc++;
                }
                else
                {
                    EmitInstruction(pc, ins);
                }
            }

            var jump = _code[loop.End];
            EmitJumpCompare(jump, jump.Info);
            _a.Branch(ConditionalBranch(loop.End, jump, jump.Info.Condition), top);
            _a.mov(R64[loop.Spare], Field(JitContext.LoopSpareOffset));
            _a.jmp(BlockEntry(loop.End + 1));
        }
    }

    private void EmitFastAccess(Instruction ins, AssemblerRegister64 spare)
    {
        var row = ins.Info;
        var b = R64[row.Kind == InstructionKind.Load ? ins.Src : ins.Dst];
        if (NeedsBlinding(ins.Offset))
        {
            var key = OffsetKey(ins.Offset);
            _a.lea(rax, __[b + spare + (ins.Offset - key)]);
            EmitAccess(ins, row.AccessSize, key);
        }
        else
        {
            EmitAccess(ins, row.AccessSize, b, spare, ins.Offset);
        }
    }
}
