using System.Buffers.Binary;

namespace Tos.Tbpf.Isa;

/// <summary>Turns bytecode into <see cref="Instruction"/>s, one per 8-byte slot. Never throws on content:
/// anything the table does not know decodes as <see cref="Op.Invalid"/> for the verifier to report.</summary>
public static class Decoder
{
    /// <summary>The size of one instruction slot in bytes.</summary>
    public const int SlotSize = 8;

    /// <summary>Decodes the raw fields of one slot.</summary>
    public static (byte Opcode, byte Dst, byte Src, short Offset, int Imm) ReadSlot(ReadOnlySpan<byte> slot) =>
        (slot[0], (byte)(slot[1] & 0x0f), (byte)(slot[1] >> 4),
            BinaryPrimitives.ReadInt16LittleEndian(slot[2..]), BinaryPrimitives.ReadInt32LittleEndian(slot[4..]));

    /// <summary>Decodes every whole slot of <paramref name="code"/>; a trailing partial slot is ignored
    /// (the verifier rejects such a program).</summary>
    public static Instruction[] Decode(ReadOnlySpan<byte> code) => Decode(code, lenient: false, callsByHashOnly: false);

    /// <summary>Decodes as <paramref name="profile"/> reads bytecode. Under sbpf's rules
    /// (<see cref="VerifierRules.Sbpf"/>) the offset never selects a row (sbpf has no sdiv, smod or movsx: it runs
    /// div, mod and mov whatever the offset holds) and every <c>call imm</c> but a V3 local call (src = 1) is a
    /// <see cref="Op.Call"/>, which the loader resolves later.</summary>
    public static Instruction[] Decode(ReadOnlySpan<byte> code, Profile profile) =>
        Decode(code, profile.Verification == VerifierRules.Sbpf, profile.Calls == CallEncoding.SyscallOrFunctionHash);

    private static Instruction[] Decode(ReadOnlySpan<byte> code, bool lenient, bool callsByHashOnly)
    {
        var count = code.Length / SlotSize;
        var result = new Instruction[count];
        for (var pc = 0; pc < count; pc++)
        {
            var (opcode, dst, src, offset, imm) = ReadSlot(code.Slice(pc * SlotSize, SlotSize));
            var row = lenient ? FindLenient(opcode, src, imm, callsByHashOnly) : OpcodeTable.Find(opcode, src, offset, imm);
            if (row is null)
            {
                result[pc] = new Instruction(Op.Invalid, opcode, dst, src, offset, imm);
                continue;
            }

            if (row.Op == Op.Lddw && pc + 1 < count)
            {
                var tail = ReadSlot(code.Slice((pc + 1) * SlotSize, SlotSize));
                var value = (long)(((ulong)(uint)tail.Imm << 32) | (uint)imm);
                result[pc] = new Instruction(Op.Lddw, opcode, dst, src, offset, value);
                // The tail keeps its raw fields so the verifier can insist that they are zero.
                result[pc + 1] = new Instruction(Op.LddwTail, tail.Opcode, tail.Dst, tail.Src, tail.Offset, 0);
                pc++;
                continue;
            }

            result[pc] = new Instruction(row.Op, opcode, dst, src, offset, imm);
        }

        return result;
    }

    private static OpcodeInfo? FindLenient(byte opcode, byte src, int imm, bool callsByHashOnly)
    {
        if (opcode == OpcodeTable.CallCode)
        {
            return OpcodeTable.Get(src == 1 && !callsByHashOnly ? Op.CallLocal : Op.Call);
        }

        return OpcodeTable.Find(opcode, src, 0, imm);
    }
}
