using System.Runtime.CompilerServices;
using Iced.Intel;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>
/// The short sequences slow-path stubs are made of, each a load of one or two 32-bit values and a jump: encoded by Iced
/// once (as the branch forms are) and written whole, with the values and the jump's rel32 patched. A large program has a
/// stub for most of its instructions (a budget check per block, a fault exit per access or division, a refund per jump
/// out of a metering chain), and building each from two or three cached forms was a fifth of compiling memory accesses
/// and branches.
/// </summary>
internal enum StubForm
{
    /// <summary><c>mov edx, imm32; jmp rel32</c>: an exit with the pc.</summary>
    MoveEdxThenJump,
    /// <summary><c>mov edx, imm32; xor edx, imm32; jmp rel32</c>: the same with the pc blinded.</summary>
    MoveXorEdxThenJump,
    /// <summary><c>add r11, imm32; jmp rel32</c>: a refund to the meter, then on to the jump's target.</summary>
    AddMeterThenJump,
}

/// <summary>A stub form's bytes (at most 16, zero-padded) and where its values and its jump's rel32 go.</summary>
internal readonly record struct StubPattern(ulong Low, ulong High, int Length, int Value0At, int Value1At)
{
    /// <summary>The rel32 is the last four bytes.</summary>
    public int RelativeAt => Length - 4;
}

internal static class StubPatterns
{
    private static readonly StubPattern[] Patterns =
    [
        Build([Instruction.Create(Code.Mov_r32_imm32, Register.EDX, 0)]),
        Build([Instruction.Create(Code.Mov_r32_imm32, Register.EDX, 0), Instruction.Create(Code.Xor_rm32_imm32, Register.EDX, 0)]),
        Build([Instruction.Create(Code.Add_rm64_imm32, RegisterMap.Meter.Value, 0)]),
    ];

    public static StubPattern Get(StubForm form) => Patterns[(int)form];

    /// <summary>Encodes <paramref name="loads"/> (each ending in its imm32) and a <c>jmp rel32</c>.</summary>
    private static StubPattern Build(Instruction[] loads)
    {
        var writer = new ByteWriter();
        var encoder = Encoder.Create(64, writer);
        var valueEnds = new List<int>();
        foreach (var load in loads)
        {
            encoder.Encode(load, 0);
            valueEnds.Add(writer.Bytes.Count);
        }

        encoder.Encode(Instruction.CreateBranch(Code.Jmp_rel32_64, 0), 0);
        var bytes = new byte[16];
        writer.Bytes.CopyTo(bytes);
        return new StubPattern(BitConverter.ToUInt64(bytes, 0), BitConverter.ToUInt64(bytes, 8), writer.Bytes.Count,
            valueEnds[0] - 4, valueEnds.Count > 1 ? valueEnds[1] - 4 : -1);
    }

    private sealed class ByteWriter : CodeWriter
    {
        public List<byte> Bytes { get; } = [];

        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}

internal sealed partial class X64Emitter
{
    /// <summary>Writes stub form <paramref name="form"/> with <paramref name="value0"/> (and <paramref name="value1"/>) in its
    /// fields, jumping to <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Stub(StubForm form, int value0, int value1, CodeLabel target)
    {
        if (!target.IsValid)
        {
            throw new JitException("a stub jumps to no label");
        }

        var pattern = StubPatterns.Get(form);
        // Reserve leaves at least Slack (32) bytes: the pattern is 16.
        ref var at = ref Reserve();
        Unsafe.WriteUnaligned(ref at, pattern.Low);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 8), pattern.High);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, pattern.Value0At), value0);
        if (pattern.Value1At >= 0)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, pattern.Value1At), value1);
        }

        AddFixup(_position + pattern.RelativeAt, target);
        _position += pattern.Length;
    }
}
