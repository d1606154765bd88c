using System.Runtime.InteropServices;

namespace Tos.Tbpf.Isa;

/// <summary>
/// One decoded instruction slot. <c>lddw</c> is fused: its slot carries the whole 64-bit constant in
/// <see cref="Imm"/> and the following slot decodes as <see cref="Op.LddwTail"/>, so a pc is always a slot index.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct Instruction(Op Op, byte Opcode, byte Dst, byte Src, short Offset, long Imm)
{
    /// <summary>The 32-bit immediate as encoded (the low half for <c>lddw</c>).</summary>
    public int Imm32 => unchecked((int)Imm);

    /// <summary>The table row of this instruction; throws for <see cref="Op.Invalid"/> and <see cref="Op.LddwTail"/>.</summary>
    public OpcodeInfo Info => OpcodeTable.Get(Op);

    /// <summary>The target slot of a jump or local call at <paramref name="pc"/> (pc + 1 + offset or imm).</summary>
    public long BranchTarget(long pc) => Op is Op.Ja32 or Op.CallLocal ? pc + 1 + Imm32 : pc + 1 + Offset;
}
