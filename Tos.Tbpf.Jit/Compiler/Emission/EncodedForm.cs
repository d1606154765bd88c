using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Iced.Intel;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>The operands of one x86 instruction as the compiler passes them: up to three registers, one memory
/// operand and one immediate. What varies per use (the immediate and the displacement) is patched; the rest selects
/// the form.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct Operands(Register r0 = Register.None, Register r1 = Register.None, Register r2 = Register.None,
    Mem memory = default, long immediate = 0)
{
    public readonly Register R0 = r0, R1 = r1, R2 = r2;
    public readonly Mem Memory = memory;
    public readonly long Immediate = immediate;

    public AssemblerRegister64 Q0 => new(R0);
    public AssemblerRegister64 Q1 => new(R1);
    public AssemblerRegister64 Q2 => new(R2);
    public AssemblerRegister32 D0 => new(R0);
    public AssemblerRegister32 D1 => new(R1);
    public AssemblerRegister32 D2 => new(R2);
    public AssemblerRegister16 W0 => new(R0);
    public AssemblerRegister16 W1 => new(R1);
    public AssemblerRegister8 B0 => new(R0);
    public AssemblerRegister8 B1 => new(R1);
}

/// <summary>
/// Everything that decides an encoding's layout, in 64 bits: the form (the emitter's overload, below 256), the
/// registers, the memory operand's shape and the size classes of its displacement and of the immediate (Iced picks
/// imm8/disp8 forms by value, so two values of one class encode alike and differ only in the patched bytes). A key is
/// the OR of its parts.
/// </summary>
internal static class FormKey
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Registers(int form, Register r0, Register r1, Register r2) =>
        (ulong)(byte)r0 | (ulong)(byte)r1 << 8 | (ulong)(byte)r2 << 16 | (ulong)(byte)form << 56;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Memory(in Mem m)
    {
        var scale = m.Scale switch { 2 => 1UL, 4 => 2UL, 8 => 3UL, _ => 0UL };
        return (ulong)(byte)m.Base << 24
            | (ulong)(byte)m.Index << 32
            | scale << 40
            | (ulong)m.Size << 42
            | (ulong)DisplacementClass(m.Displacement) << 47;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Immediate(long value) => ImmediateClass(value) << 49;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong DisplacementClass(long value) => value == 0 ? 0UL : value == (sbyte)value ? 1UL : 2UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ImmediateClass(long value)
    {
        if (value == (sbyte)value)
        {
            return value == 0 ? 0UL : value == 1 ? 1UL : 2UL;
        }

        if (value == (int)value)
        {
            return value == (byte)value ? 3UL : value == (short)value || value == (ushort)value ? 4UL : 5UL;
        }

        return value == (uint)value ? 6UL : 7UL;
    }
}

/// <summary>How to make one form with Iced's assembler: called once per distinct form and process.</summary>
internal delegate void FormBuilder(Assembler assembler, in Operands operands);

/// <summary>
/// One x86 instruction as Iced encodes it, with where its immediate and displacement sit so that another value of
/// the same size class can be patched in. At most 15 bytes, held in two words so that emitting is two stores.
/// </summary>
internal sealed class EncodedForm : IKeyed
{
    public EncodedForm(ulong key, ReadOnlySpan<byte> bytes, ConstantOffsets offsets)
    {
        Key = key;
        Span<byte> padded = stackalloc byte[16];
        bytes.CopyTo(padded);
        Low = MemoryMarshal.Read<ulong>(padded);
        High = MemoryMarshal.Read<ulong>(padded[8..]);
        Length = (byte)bytes.Length;
        ImmediateOffset = offsets.ImmediateOffset;
        ImmediateSize = offsets.ImmediateSize;
        DisplacementOffset = offsets.DisplacementOffset;
        DisplacementSize = offsets.DisplacementSize;
    }

    public ulong Key { get; }
    public ulong Low { get; }
    public ulong High { get; }
    public byte Length { get; }
    public byte ImmediateOffset { get; }
    public byte ImmediateSize { get; }
    public byte DisplacementOffset { get; }
    public byte DisplacementSize { get; }

}
