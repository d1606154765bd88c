using System.Runtime.CompilerServices;
using Iced.Intel;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>
/// Short fixed sequences of one or two instructions with a value each and a rel32 branch, which the compiler emits for
/// most instructions of a large program: the slow-path stubs (a budget hand-over per block, a fault exit per access or
/// division, a refund per jump out of a metering chain) and the meter's charge at a block entry. Each is encoded by Iced
/// once (as the branch forms are) and written whole, with its values and the branch's rel32 patched; built from two or
/// three cached forms each, they were a fifth of compiling memory accesses and branches.
/// </summary>
internal enum BranchingForm
{
    /// <summary><c>mov edx, imm32; jmp rel32</c>: an exit with the pc.</summary>
    MoveEdxThenJump,
    /// <summary><c>add r11, imm32; jmp rel32</c>: a refund to the meter, then on to the jump's target.</summary>
    AddMeterThenJump,
    /// <summary><c>sub r11, imm8; jl rel32</c>: a block's charge of at most 127 units, and its hand-over when the budget
    /// does not cover it.</summary>
    ChargeByteThenJumpIfShort,
    /// <summary><c>sub r11, imm32; jl rel32</c>: the same for a larger charge.</summary>
    ChargeThenJumpIfShort,
    /// <summary><c>sub r11, imm8; jge rel32</c>: a jump that makes its target block's charge, taken when the budget covers
    /// it.</summary>
    ChargeByteThenJumpIfCovered,
    /// <summary><c>sub r11, imm32; jge rel32</c>: the same for a larger charge.</summary>
    ChargeThenJumpIfCovered,
    /// <summary><c>sub r11, imm32; sub r11, imm32; jl rel32</c>: a charge split in two parts that need not be blinded (a
    /// block's length is the program's choice). With the meter at or above zero and both parts positive the first
    /// subtraction cannot wrap, so the flags of the second say whether the meter covered the sum.</summary>
    SplitChargeThenJumpIfShort,
    /// <summary>The same with <c>jge</c>, for a jump that makes its target's charge.</summary>
    SplitChargeThenJumpIfCovered,
}

/// <summary>A form's bytes (at most 24, zero-padded, in three words) and where its values (the first of
/// <paramref name="Value0Size"/> bytes, the second of 4) and its branch's rel32 go.</summary>
internal readonly record struct BranchingPattern(ulong Word0, ulong Word1, ulong Word2, int Length, int Value0At, int Value0Size, int Value1At)
{
    /// <summary>The rel32 is the last four bytes.</summary>
    public int RelativeAt => Length - 4;
}

internal static class BranchingPatterns
{
    private static readonly BranchingPattern[] Patterns = Enum.GetValues<BranchingForm>().Select(Build).ToArray();

    public static BranchingPattern Get(BranchingForm form) => Patterns[(int)form];

    private static BranchingPattern Build(BranchingForm form)
    {
        var meter = RegisterMap.Meter.Value;
        return form switch
        {
            BranchingForm.MoveEdxThenJump => Encode(Code.Jmp_rel32_64, Instruction.Create(Code.Mov_r32_imm32, Register.EDX, 0)),
            BranchingForm.AddMeterThenJump => Encode(Code.Jmp_rel32_64, Instruction.Create(Code.Add_rm64_imm32, meter, 0)),
            BranchingForm.ChargeByteThenJumpIfShort => Encode(Code.Jl_rel32_64, Instruction.Create(Code.Sub_rm64_imm8, meter, 0)),
            BranchingForm.ChargeThenJumpIfShort => Encode(Code.Jl_rel32_64, Instruction.Create(Code.Sub_rm64_imm32, meter, 0)),
            BranchingForm.ChargeByteThenJumpIfCovered => Encode(Code.Jge_rel32_64, Instruction.Create(Code.Sub_rm64_imm8, meter, 0)),
            BranchingForm.ChargeThenJumpIfCovered => Encode(Code.Jge_rel32_64, Instruction.Create(Code.Sub_rm64_imm32, meter, 0)),
            BranchingForm.SplitChargeThenJumpIfShort => Encode(Code.Jl_rel32_64,
                Instruction.Create(Code.Sub_rm64_imm32, meter, 0), Instruction.Create(Code.Sub_rm64_imm32, meter, 0)),
            BranchingForm.SplitChargeThenJumpIfCovered => Encode(Code.Jge_rel32_64,
                Instruction.Create(Code.Sub_rm64_imm32, meter, 0), Instruction.Create(Code.Sub_rm64_imm32, meter, 0)),
            _ => throw new ArgumentOutOfRangeException(nameof(form), form, null),
        };
    }

    /// <summary>Encodes <paramref name="loads"/> (one immediate each; Iced says where) and a rel32 <paramref name="branch"/>.</summary>
    private static BranchingPattern Encode(Code branch, params Instruction[] loads)
    {
        var writer = new ByteListWriter();
        var encoder = Encoder.Create(64, writer);
        var values = new List<(int At, int Size)>();
        foreach (var load in loads)
        {
            var start = writer.Bytes.Count;
            encoder.Encode(load, 0);
            var offsets = encoder.GetConstantOffsets();
            values.Add((start + offsets.ImmediateOffset, offsets.ImmediateSize));
        }

        encoder.Encode(Instruction.CreateBranch(branch, 0), 0);
        if (writer.Bytes.Count > 24 || (values.Count > 1 && values[1].Size != 4))
        {
            throw new JitException($"the branching form of {branch} does not fit its pattern");
        }

        var bytes = new byte[24];
        writer.Bytes.CopyTo(bytes);
        return new BranchingPattern(BitConverter.ToUInt64(bytes, 0), BitConverter.ToUInt64(bytes, 8), BitConverter.ToUInt64(bytes, 16),
            writer.Bytes.Count, values[0].At, values[0].Size, values.Count > 1 ? values[1].At : -1);
    }
}

internal sealed partial class X64Emitter
{
    /// <summary>Writes <paramref name="form"/> with <paramref name="value0"/> (and <paramref name="value1"/>) in its
    /// fields, jumping to <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Branching(BranchingForm form, int value0, int value1, CodeLabel target)
    {
        if (!target.IsValid)
        {
            throw new JitException("a branching form jumps to no label");
        }

        AddFixup(WriteBranching(form, value0, value1), target);
    }

    /// <summary>The same with the branch's target left for the caller to patch (<see cref="PatchBranchHere"/>): returns
    /// where its rel32 is. For a stub that only this branch enters, which then needs no label.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int BranchingToPatch(BranchingForm form, int value0, int value1) => WriteBranching(form, value0, value1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int WriteBranching(BranchingForm form, int value0, int value1)
    {
        var pattern = BranchingPatterns.Get(form);
        // Reserve leaves at least Slack (32) bytes: the pattern is 24.
        ref var at = ref Reserve();
        Unsafe.WriteUnaligned(ref at, pattern.Word0);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 8), pattern.Word1);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 16), pattern.Word2);
        if (pattern.Value0Size == 1)
        {
            Unsafe.Add(ref at, pattern.Value0At) = (byte)value0;
        }
        else
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, pattern.Value0At), value0);
        }

        if (pattern.Value1At >= 0)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, pattern.Value1At), value1);
        }

        var relative = _position + pattern.RelativeAt;
        _position += pattern.Length;
        return relative;
    }
}
