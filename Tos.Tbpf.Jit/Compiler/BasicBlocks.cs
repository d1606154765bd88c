using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// The basic blocks of a verified program, for metering: a block starts at the entry, at every jump or call
/// target and after every control instruction, and ends at a control instruction or before the next leader.
/// The JIT charges a whole block at its entry; <see cref="UnitsToEnd"/> says how many units that is from any pc.
/// </summary>
internal sealed class BasicBlocks
{
    public BasicBlocks(Instruction[] code, long entryPc)
    {
        IsLeader = new bool[code.Length];
        UnitsToEnd = new long[code.Length];
        if (code.Length == 0)
        {
            return;
        }

        IsLeader[entryPc] = true;
        IsLeader[0] = true;
        for (var pc = 0; pc < code.Length; pc++)
        {
            var op = code[pc].Op;
            if (op is Op.LddwTail or Op.Invalid)
            {
                continue;
            }

            var row = code[pc].Info;
            if (row.IsJump || op == Op.CallLocal)
            {
                IsLeader[code[pc].BranchTarget(pc)] = true;
            }

            var next = pc + (op == Op.Lddw ? 2 : 1);
            if (row.EndsBlock && next < code.Length)
            {
                IsLeader[next] = true;
            }
        }

        // Walk backwards: units to the end of the block, counting lddw once.
        long following = 0;
        for (var pc = code.Length - 1; pc >= 0; pc--)
        {
            if (code[pc].Op == Op.LddwTail)
            {
                continue;
            }

            var next = pc + (code[pc].Op == Op.Lddw ? 2 : 1);
            var continues = next < code.Length && !IsLeader[next] && !(code[pc].Op != Op.Invalid && code[pc].Info.EndsBlock);
            UnitsToEnd[pc] = 1 + (continues ? following : 0);
            following = UnitsToEnd[pc];
        }
    }

    /// <summary>True where a block starts.</summary>
    public bool[] IsLeader { get; }

    /// <summary>For each pc: the instructions from it to the end of its block, itself included.</summary>
    public long[] UnitsToEnd { get; }
}
