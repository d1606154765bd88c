using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Instruction = Tos.Tbpf.Isa.Instruction;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>Constant blinding: a program's immediates and offsets never appear verbatim in the code, so a contract cannot
/// plant chosen x86 bytes (JIT spraying). Each constant is emitted as <c>value ^ key</c> and XORed back. A constant that
/// carries at most one byte the program chose is emitted as it is: every other byte of its encoding is 0x00 (or 0xff
/// for a negative value), as for 0..255, −256..−1, 512 or 0x7f000000, or it is an all-ones mask. sbpf exempts the low
/// byte and the masks; one chosen byte forms no gadget the code does not already hold, in whichever lane it sits, and
/// such constants are most of a loop's bounds and steps, where blinding would cost two instructions per use.</summary>
internal sealed partial class X64Compiler
{
    /// <summary>True when <paramref name="value"/> must not appear in the code as it is.</summary>
    private bool NeedsBlinding(long value) => NeedsBlinding(value, _options.BlindConstants);

    /// <summary>The same under a blinding choice (for template keys, which are computed without a compiler).</summary>
    private static bool NeedsBlinding(long value, bool blindConstants) => blindConstants && !CarriesAtMostOneByte(value);

    private static bool CarriesAtMostOneByte(long value) =>
        NonZeroBytes((ulong)value) <= 1 || NonZeroBytes(~(ulong)value) <= 1
        || (ulong)value is 0xffff or 0xff_ffff or 0xffff_ffff or 0xff_ffff_ffff or 0xffff_ffff_ffff or 0xff_ffff_ffff_ffff;

    private static int NonZeroBytes(ulong value)
    {
        // Per byte, bit 7 of (b & 0x7f) + 0x7f is set when its low seven bits are not all zero; OR in the byte's own bit 7.
        const ulong low7 = 0x7f7f_7f7f_7f7f_7f7fUL;
        var nonZero = ((value & low7) + low7 | value) & ~low7;
        return System.Numerics.BitOperations.PopCount(nonZero);
    }

    /// <summary><c>target = value</c> (64 bits); <paramref name="scratch"/> may hold a 64-bit key.</summary>
    private void LoadImmediate(AssemblerRegister64 target, long value, AssemblerRegister64 scratch)
    {
        if (!NeedsBlinding(value))
        {
            MoveShortest(target, value);
            return;
        }

        if (value == (int)value)
        {
            // A sign-extended 32-bit value: a 32-bit key, itself sign-extended by the xor, covers all 64 bits.
            var key = Key32((int)value);
            _a.movSignExtended(target, (int)value ^ key);
            _a.xor(target, key);
            return;
        }

        var key64 = Key64(value);
        _a.mov(target, value ^ key64);
        _a.mov(scratch, key64);
        _a.xor(target, scratch);
    }

    /// <summary><c>target = value</c> in the fewest bytes: a value below 2^32 as a 32-bit move (which zero-extends: 5 or 6
    /// bytes), a negative 32-bit one sign-extended (7), only a wider one as <c>movabs</c> (10). Most constants a program
    /// loads are small, and <c>movabs</c> for all of them made <c>mov r0, 0</c> ten bytes.</summary>
    private void MoveShortest(AssemblerRegister64 target, long value)
    {
        if ((ulong)value <= uint.MaxValue)
        {
            _a.mov(new AssemblerRegister32(target.Value - Register.RAX + Register.EAX), (int)value);
        }
        else if (value == (int)value)
        {
            _a.movSignExtended(target, (int)value);
        }
        else
        {
            _a.mov(target, value);
        }
    }

    /// <summary><c>target = (uint)value</c>, zero-extended.</summary>
    private void LoadImmediate32(AssemblerRegister32 target, int value)
    {
        if (!NeedsBlinding(value))
        {
            _a.mov(target, value);
            return;
        }

        var key = Key32(value);
        _a.mov(target, value ^ key);
        _a.xor(target, key);
    }

    /// <summary>Loads the instruction's immediate into <paramref name="target"/> as its 64-bit ALU operand
    /// (the 32-bit ops read the low half).</summary>
    private AssemblerRegister64 LoadImmediateInto(AssemblerRegister64 target, Instruction ins)
    {
        LoadImmediate(target, ins.Imm32, AssemblerRegisters.rdx);
        return target;
    }

    // Keys are never 0 and never the value itself, so neither emitted immediate equals the program's constant.
    private int Key32(int value)
    {
        if (_drawnKey is { } drawn)
        {
            _drawnKey = null;
            return drawn;
        }

        int key;
        do
        {
            key = (int)_random.NextBits() | 1 << 30;
        }
        while (key == value || (value ^ key) == value);

        return key;
    }

    /// <summary>A split key for a 16-bit offset: neither the key nor <c>offset - key</c> equals the offset or fits in 16
    /// bits, so no program-chosen 16-bit pattern lands in the code.</summary>
    private int OffsetKey(short offset)
    {
        int key;
        do
        {
            // One draw, no division: a magnitude in [2^20, 2^20 + 2^28) from the low bits, the sign from the top one.
            var bits = _random.NextBits();
            key = ((1 << 20) + (int)(bits & ((1 << 28) - 1))) * ((long)bits < 0 ? -1 : 1);
        }
        while (key == offset || offset - key == offset);

        return key;
    }

    private long Key64(long value)
    {
        long key;
        do
        {
            key = (long)_random.NextBits() | 1L << 62;
        }
        while (key == value || (value ^ key) == value || (int)(value ^ key) == (int)value || (int)(value >> 32) == (int)((value ^ key) >> 32));

        return key;
    }
}
