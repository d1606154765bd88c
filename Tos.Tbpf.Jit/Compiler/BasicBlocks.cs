using System.Buffers;
using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// The basic blocks of a verified program, for metering: a block starts at the entry, at every jump or call
/// target and after every control instruction, and ends at a control instruction or before the next leader.
/// <para>The JIT charges the meter per <em>chain</em>: a block together with the blocks it falls through to from a
/// forward conditional jump, as long as nothing else enters them (they are no jump or call target and not the entry).
/// A chain is charged whole at its head (<see cref="Charges"/>); a conditional jump taken out of the middle of a chain
/// gives back the units of the chain's rest, either in its target's charge (<see cref="EntryCharge"/>) or on its way
/// (<see cref="RefundWhenTaken"/>). A loop of short blocks such as <c>if (x == 1) …; if (x &amp; 1) …; x &gt;&gt;= 1</c>
/// then pays one charge per iteration on its fall-through path instead of one per block. At every pc the meter has
/// been charged through the end of the pc's chain (<see cref="UnitsToEnd"/>), which is what the runtime's refunds rely
/// on.</para>
/// <para>When a chain does not fit in the budget the JIT hands the run to the interpreter at the chain's head. Within
/// one block the interpreter then runs out before the block's control instruction, so it never needs the JIT's call
/// frames; across a chain it may leave by a taken jump and go on to a call or an exit. Chains of several blocks are
/// therefore formed only in code that runs in frame 0 (not reachable from any local call target, and only in programs
/// without callx), where the interpreter's empty frame stack is the right one. A chain is also capped at
/// <see cref="MaxChainUnits"/>, which bounds the instructions the interpreter runs after such a hand-over.</para>
/// <para>The tables only the compiler reads come from the shared array pool and go back on <see cref="Dispose"/>: for a
/// large program they are megabytes, and allocating them per compilation cost a full collection every few.</para>
/// </summary>
internal sealed class BasicBlocks : IDisposable
{
    /// <summary>The most units one chain of several blocks carries.</summary>
    public const int MaxChainUnits = 256;

    public BasicBlocks(Instruction[] code, long entryPc, bool hasCallx)
    {
        var length = code.Length;
        IsLeader = Rent<bool>(length);
        Charges = Rent<bool>(length);
        // Written at every pc by the count, so not cleared first.
        UnitsToEnd = ArrayPool<int>.Shared.Rent(length);
        EntryCharge = Rent<int>(length);
        _refundWhenTaken = Rent<int>(length);
        if (length == 0)
        {
            return;
        }

        // Blocks that are entered otherwise than by falling through from a conditional jump charge for themselves.
        IsLeader[entryPc] = Charges[entryPc] = true;
        IsLeader[0] = Charges[0] = true;
        // How many jumps and calls name each pc: a block only one jump enters can take over that jump's refund.
        // (Counted up to 2: only "one" matters. The entry and pc 0 are entered from outside.)
        var entries = Rent<byte>(length);
        entries[entryPc] = entries[0] = 1;
        var callTargets = new Stack<int>();
        for (var pc = 0; pc < length; pc++)
        {
            var flow = FlowOf[(int)code[pc].Op];
            if ((flow & Flow.NoInstruction) != 0)
            {
                continue;
            }

            var target = -1L;
            if ((flow & (Flow.Jump | Flow.LocalCall)) != 0)
            {
                target = code[pc].BranchTarget(pc);
                IsLeader[target] = Charges[target] = true;
                entries[target] = (byte)Math.Min(entries[target] + 1, 2);
                if ((flow & Flow.LocalCall) != 0)
                {
                    callTargets.Push((int)target);
                }
            }

            if (target >= 0 && target <= pc && (flow & Flow.Conditional) != 0)
            {
                BackwardConditionalJumps.Add(pc);
            }

            var next = pc + ((flow & Flow.TwoSlots) != 0 ? 2 : 1);
            if ((flow & Flow.EndsBlock) != 0 && next < length)
            {
                IsLeader[next] = true;
                // Only a forward conditional jump continues its chain: a backward one usually closes a loop, and a taken
                // jump out of a chain pays for its refund (an add and a jump) on what is then the hot path.
                Charges[next] |= (flow & Flow.Conditional) == 0 || target <= pc;
            }
        }

        if (hasCallx)
        {
            LimitChains(code, inCallee: null);
        }
        else if (callTargets.Count > 0)
        {
            var inCallee = ReachableFrom(code, callTargets);
            LimitChains(code, inCallee);
            ArrayPool<bool>.Shared.Return(inCallee);
        }

        // Without calls only the cap on a chain's units can split chains, and most programs have no chain near it: the
        // count finds the longest, and only when one is over the cap are chains limited and counted again (a pass over the
        // code saved, a tenth of this class's time on a large program).
        if (CountUnitsAndPlaceRefunds(code, entries) > MaxChainUnits && !hasCallx && callTargets.Count == 0
            && LimitChains(code, inCallee: []))
        {
            // (A chain over the cap that is one long block, straight-line code, cannot be split: nothing to recount.)
            Array.Clear(EntryCharge, 0, length);
            Array.Clear(_refundWhenTaken, 0, length);
            CountUnitsAndPlaceRefunds(code, entries);
        }

        ArrayPool<byte>.Shared.Return(entries);
    }

    /// <summary>
    /// Walks backwards: the units to the end of each chain (counting lddw once), each chain head's charge, and where each
    /// refund goes. A conditional jump taken out of the middle of a chain gives back the chain's rest. When its target is
    /// entered by that jump alone (no other jump or call names it, and the instruction before it does not fall into it),
    /// the target's own charge absorbs the refund and the jump goes straight to it; otherwise the jump goes through a
    /// stub that adds the units back. A head's charge is the sum of its chain's units and the refunds it absorbs, which
    /// may be counted in either order. Returns the most units of any chain.
    /// </summary>
    private int CountUnitsAndPlaceRefunds(Instruction[] code, byte[] entries)
    {
        var length = code.Length;
        var following = 0;
        var longest = 0;
        for (var pc = length - 1; pc >= 0; pc--)
        {
            var op = code[pc].Op;
            if (op == Op.LddwTail)
            {
                UnitsToEnd[pc] = 0;
                continue;
            }

            var flow = FlowOf[(int)op];
            var next = pc + ((flow & Flow.TwoSlots) != 0 ? 2 : 1);
            var endsChain = (flow & (Flow.EndsBlock | Flow.Conditional)) == Flow.EndsBlock;
            var continues = next < length && !Charges[next] && !endsChain;
            var units = 1 + (continues ? following : 0);
            UnitsToEnd[pc] = units;
            following = units;
            if (Charges[pc])
            {
                // A block's units are bounded by the program's length, which is far below 2^31.
                EntryCharge[pc] += units;
                longest = Math.Max(longest, units);
            }

            if ((flow & Flow.Conditional) == 0 || pc + 1 >= length || Charges[pc + 1])
            {
                continue;
            }

            // At most MaxChainUnits: the rest of a chain of several blocks, counted already (pc + 1 is past pc).
            var refund = UnitsToEnd[pc + 1];
            var target = (int)code[pc].BranchTarget(pc);
            if (entries[target] == 1 && !FallsInto(code, target))
            {
                EntryCharge[target] -= refund;
            }
            else
            {
                _refundWhenTaken[pc] = refund;
            }
        }

        return longest;
    }

    /// <summary>A pooled array of at least <paramref name="length"/> elements, the first <paramref name="length"/> zero.</summary>
    internal static T[] Rent<T>(int length)
    {
        var array = ArrayPool<T>.Shared.Rent(length);
        Array.Clear(array, 0, length);
        return array;
    }

    /// <summary>Returns the compiler's tables to the pool; <see cref="UnitsToEnd"/> stays (the runtime keeps it, or the
    /// compiler returns it when the compile fails).</summary>
    public void Dispose()
    {
        ArrayPool<bool>.Shared.Return(IsLeader);
        ArrayPool<bool>.Shared.Return(Charges);
        ArrayPool<int>.Shared.Return(EntryCharge);
        ArrayPool<int>.Shared.Return(_refundWhenTaken);
        BackwardConditionalJumps.Dispose();
    }

    // Whether the instruction before pc continues into it.
    private static bool FallsInto(Instruction[] code, int pc) =>
        pc > 0 && ContinuesToNext(code[pc - 1].Op == Op.LddwTail && pc >= 2 ? code[pc - 2] : code[pc - 1]);

    // Whether control can go on past the instruction to the next one: everything but ja, exit and traps (an invalid slot
    // or an lddw's tail counts as going on, which only ever makes the caller more careful).
    private static bool ContinuesToNext(Instruction ins) =>
        ins.Op is Op.Invalid or Op.LddwTail
        || ins.Info.Kind is not (InstructionKind.Exit or InstructionKind.Trap) && !(ins.Info.IsJump && ins.Info.Condition == JumpCondition.Always);

    /// <summary>The pcs of the conditional jumps back to their own pc or before (where counted loops end), in order.</summary>
    public Emission.PooledList<int> BackwardConditionalJumps { get; } = new(16);

    /// <summary>True where a block starts (pooled: longer than the code).</summary>
    public bool[] IsLeader { get; }

    /// <summary>True where a chain starts: the block starts the meter is charged at (pooled: longer than the code).</summary>
    public bool[] Charges { get; }

    /// <summary>For each pc: the instructions from it to the end of its chain, itself included (lddw once). Bounded by
    /// the program's length, so 32 bits. Pooled too (longer than the code), but not returned by <see cref="Dispose"/>:
    /// the compiled program keeps it for its runtime and gives it back when its code is released (JitProgram); for a
    /// large program it was the compile's one large allocation.</summary>
    public int[] UnitsToEnd { get; }

    /// <summary>For each chain head: the units its entry charges, its chain's less any refund it takes over (see
    /// <see cref="CountUnitsAndPlaceRefunds"/>); zero or negative when the refund covers it.</summary>
    public int[] EntryCharge { get; }

    /// <summary>The units the conditional jump at <paramref name="pc"/> gives back on its way when taken (the rest of its
    /// chain), unless its target takes them over: then 0.</summary>
    public int RefundWhenTaken(int pc) => _refundWhenTaken[pc];

    private readonly int[] _refundWhenTaken;

    /// <summary>
    /// Makes every block that may run in a callee's frame (<paramref name="inCallee"/>; all of them when null, none when
    /// empty) charge for itself, and starts a new chain where one would pass <see cref="MaxChainUnits"/>. Returns whether
    /// any block was made to charge.
    /// </summary>
    private bool LimitChains(Instruction[] code, bool[]? inCallee)
    {
        long chainUnits = 0;
        var changed = false;
        for (var pc = 0; pc < code.Length; pc = Next(code, pc))
        {
            if (IsLeader[pc] && !Charges[pc]
                && (inCallee is null || (inCallee.Length > 0 && inCallee[pc]) || chainUnits + BlockUnits(code, pc) > MaxChainUnits))
            {
                Charges[pc] = true;
                changed = true;
            }

            if (Charges[pc])
            {
                chainUnits = 0;
            }

            chainUnits++;
        }

        return changed;
    }

    // The units of the block starting at the leader pc.
    private long BlockUnits(Instruction[] code, int leader)
    {
        long units = 0;
        var pc = leader;
        do
        {
            units++;
            pc = Next(code, pc);
        }
        while (pc < code.Length && !IsLeader[pc]);
        return units;
    }

    /// <summary>The pcs control can reach from the local calls' targets (<paramref name="pending"/>) without returning:
    /// the code that may run in a callee's frame (a function's own calls return to it, so their return points are followed
    /// too). Pooled.</summary>
    private static bool[] ReachableFrom(Instruction[] code, Stack<int> pending)
    {
        var reached = Rent<bool>(code.Length);
        while (pending.TryPop(out var pc))
        {
            if ((uint)pc >= (uint)code.Length || reached[pc] || code[pc].Op is Op.LddwTail)
            {
                continue;
            }

            reached[pc] = true;
            if (code[pc].Op == Op.Invalid)
            {
                continue;
            }

            var row = code[pc].Info;
            if (row.IsJump)
            {
                pending.Push((int)code[pc].BranchTarget(pc));
            }

            if (ContinuesToNext(code[pc]))
            {
                pending.Push(Next(code, pc));
            }
        }

        return reached;
    }

    private static int Next(Instruction[] code, int pc) => pc + (code[pc].Op == Op.Lddw ? 2 : 1);

    /// <summary>What the passes above need to know of an opcode, read once from <see cref="OpcodeInfo"/> into a table
    /// indexed by <see cref="Op"/>: each pass looks at every instruction, and a row's computed properties cost more than
    /// one load.</summary>
    [Flags]
    private enum Flow : byte
    {
        None = 0,
        /// <summary>A jump, conditional or not.</summary>
        Jump = 1,
        /// <summary>A jump with a condition.</summary>
        Conditional = 2,
        /// <summary>Ends its block (see <see cref="OpcodeInfo.EndsBlock"/>).</summary>
        EndsBlock = 4,
        LocalCall = 8,
        /// <summary>lddw, which takes this slot and the next.</summary>
        TwoSlots = 16,
        /// <summary>An invalid slot or an lddw's second: no instruction of its own.</summary>
        NoInstruction = 32,
    }

    private static readonly Flow[] FlowOf = BuildFlow();

    private static Flow[] BuildFlow()
    {
        var flows = new Flow[Enum.GetValues<Op>().Length];
        foreach (var op in Enum.GetValues<Op>())
        {
            if (op is Op.Invalid or Op.LddwTail)
            {
                flows[(int)op] = Flow.NoInstruction;
                continue;
            }

            var row = OpcodeTable.Get(op);
            flows[(int)op] = (row.IsJump ? Flow.Jump : 0)
                | (row.IsJump && row.Condition != JumpCondition.Always ? Flow.Conditional : 0)
                | (row.EndsBlock ? Flow.EndsBlock : 0)
                | (op == Op.CallLocal ? Flow.LocalCall : 0)
                | (op == Op.Lddw ? Flow.TwoSlots : 0);
        }

        return flows;
    }
}
