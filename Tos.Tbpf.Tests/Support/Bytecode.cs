using System.Buffers.Binary;

namespace Tos.Tbpf.Tests.Support;

/// <summary>Raw slots for programs the assembler refuses to write (bad registers, reserved fields, unknown opcodes).</summary>
public static class Bytecode
{
    public static byte[] Slot(byte opcode, byte dst = 0, byte src = 0, short offset = 0, int imm = 0)
    {
        var slot = new byte[8];
        slot[0] = opcode;
        slot[1] = (byte)((src << 4) | (dst & 0x0f));
        BinaryPrimitives.WriteInt16LittleEndian(slot.AsSpan(2), offset);
        BinaryPrimitives.WriteInt32LittleEndian(slot.AsSpan(4), imm);
        return slot;
    }

    public static byte[] Concat(params byte[][] slots) => slots.SelectMany(s => s).ToArray();

    public static readonly byte[] Exit = Slot(0x95);
}
