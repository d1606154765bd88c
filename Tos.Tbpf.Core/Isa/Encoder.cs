using System.Buffers.Binary;

namespace Tos.Tbpf.Isa;

/// <summary>Turns <see cref="Instruction"/>s back into bytecode: the inverse of <see cref="Decoder"/>.</summary>
public static class Encoder
{
    /// <summary>Builds the instruction for <paramref name="op"/>, filling in its opcode byte and discriminant.</summary>
    public static Instruction Make(Op op, byte dst = 0, byte src = 0, short offset = 0, long imm = 0)
    {
        var row = OpcodeTable.Get(op);
        switch (row.Discriminant)
        {
            case Discriminant.Offset: offset = (short)row.DiscriminantValue; break;
            case Discriminant.Imm: imm = row.DiscriminantValue; break;
            case Discriminant.Src: src = (byte)row.DiscriminantValue; break;
        }

        return new Instruction(op, row.Code, dst, src, offset, imm);
    }

    /// <summary>Encodes a sequence of decoded instructions (lddw tails are skipped: the lddw writes both slots).</summary>
    public static byte[] Encode(IReadOnlyList<Instruction> instructions)
    {
        var slots = instructions.Count(i => i.Op != Op.LddwTail) + instructions.Count(i => i.Op == Op.Lddw);
        var bytes = new byte[slots * Decoder.SlotSize];
        var at = 0;
        foreach (var instruction in instructions)
        {
            if (instruction.Op == Op.LddwTail)
            {
                continue;
            }

            WriteSlot(bytes.AsSpan(at), instruction.Opcode, instruction.Dst, instruction.Src, instruction.Offset, instruction.Imm32);
            at += Decoder.SlotSize;
            if (instruction.Op == Op.Lddw)
            {
                WriteSlot(bytes.AsSpan(at), 0, 0, 0, 0, (int)(instruction.Imm >> 32));
                at += Decoder.SlotSize;
            }
        }

        return bytes;
    }

    private static void WriteSlot(Span<byte> slot, byte opcode, byte dst, byte src, short offset, int imm)
    {
        slot[0] = opcode;
        slot[1] = (byte)((src << 4) | (dst & 0x0f));
        BinaryPrimitives.WriteInt16LittleEndian(slot[2..], offset);
        BinaryPrimitives.WriteInt32LittleEndian(slot[4..], imm);
    }
}
