using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Tos.Tbpf.Semantics;

/// <summary>
/// The arithmetic of RFC 9669 §4 as pure functions: the interpreter calls them, the JIT's tests use them as the
/// oracle. Guest arithmetic wraps on purpose. 32-bit results are zero-extended to 64 bits. Division faults
/// (zero divisor, <c>MIN / -1</c>) are the caller's to trap per profile; these give the RFC's non-trapping values.
/// </summary>
public static class Alu
{
    /// <summary>RFC 9669 §4.1 DIV: unsigned; by 0 the quotient is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Div64(ulong dst, ulong src) => src == 0 ? 0 : dst / src;

    /// <summary>RFC 9669 §4.1 DIV (ALU): unsigned 32-bit; by 0 the quotient is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Div32(ulong dst, ulong src) => (uint)src == 0 ? 0 : (uint)dst / (uint)src;

    /// <summary>RFC 9669 §4.1 MOD: unsigned; by 0 the dividend is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mod64(ulong dst, ulong src) => src == 0 ? dst : dst % src;

    /// <summary>RFC 9669 §4.1 MOD (ALU): unsigned 32-bit; by 0 the dividend's low half is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mod32(ulong dst, ulong src) => (uint)src == 0 ? (uint)dst : (uint)dst % (uint)src;

    /// <summary>RFC 9669 §4.1 SDIV (offset 1): signed, truncated; by 0 gives 0, <c>MIN / -1</c> gives MIN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SDiv64(ulong dst, ulong src) => (long)src switch
    {
        0 => 0,
        -1 => unchecked(0 - dst),
        _ => (ulong)((long)dst / (long)src),
    };

    /// <summary>RFC 9669 §4.1 SDIV (ALU): signed 32-bit; by 0 gives 0, <c>MIN / -1</c> gives MIN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SDiv32(ulong dst, ulong src) => (int)src switch
    {
        0 => 0,
        -1 => unchecked(0u - (uint)dst),
        _ => (uint)((int)dst / (int)src),
    };

    /// <summary>RFC 9669 §4.1 SMOD (offset 1): sign of the dividend; by 0 leaves dst, <c>% -1</c> gives 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SMod64(ulong dst, ulong src) => (long)src switch
    {
        0 => dst,
        -1 => 0,
        _ => (ulong)((long)dst % (long)src),
    };

    /// <summary>RFC 9669 §4.1 SMOD (ALU): signed 32-bit; by 0 leaves the low half of dst, <c>% -1</c> gives 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SMod32(ulong dst, ulong src) => (int)src switch
    {
        0 => (uint)dst,
        -1 => 0,
        _ => (uint)((int)dst % (int)src),
    };

    /// <summary>True when a signed division or remainder overflows: <c>MIN / -1</c> (64-bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SignedOverflows64(ulong dst, ulong src) => (long)src == -1 && (long)dst == long.MinValue;

    /// <summary>True when a 32-bit signed division or remainder overflows: <c>MIN / -1</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SignedOverflows32(ulong dst, ulong src) => (int)src == -1 && (int)dst == int.MinValue;

    /// <summary>RFC 9669 §4.1 ARSH (ALU): arithmetic shift of the low half, count masked to 5 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Arsh32(ulong dst, ulong count) => (uint)((int)dst >> (int)(count & 31));

    /// <summary>RFC 9669 §4.1 ARSH: arithmetic shift, count masked to 6 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Arsh64(ulong dst, ulong count) => (ulong)((long)dst >> (int)(count & 63));

    /// <summary>RFC 9669 §4.2 END, to big-endian on a little-endian machine: swap the low <paramref name="width"/> bits
    /// and zero the rest. Also the ALU64 <c>bswap</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Swap(ulong dst, int width) => width switch
    {
        16 => BinaryPrimitives.ReverseEndianness((ushort)dst),
        32 => BinaryPrimitives.ReverseEndianness((uint)dst),
        _ => BinaryPrimitives.ReverseEndianness(dst),
    };

    /// <summary>RFC 9669 §4.2 END, to little-endian on a little-endian machine: keep the low bits, zero the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Truncate(ulong dst, int width) => width switch
    {
        16 => (ushort)dst,
        32 => (uint)dst,
        _ => dst,
    };

    /// <summary>A 32-bit result in its 64-bit register: zero-extended, or sign-extended where the profile says so
    /// (<see cref="Profile.SignExtend32Results"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Result32(ulong value, bool signExtend) => signExtend ? (ulong)(long)(int)(uint)value : (uint)value;
}
