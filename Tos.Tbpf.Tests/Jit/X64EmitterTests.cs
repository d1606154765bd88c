using Iced.Intel;
using NUnit.Framework;
using Tos.Tbpf.Jit.Compiler.Emission;
using static Iced.Intel.AssemblerRegisters;
using Decoder = Iced.Intel.Decoder;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>
/// The copy-and-patch emitter against Iced's own assembler: for values on every side of each size-class boundary, the
/// cached form patched with the value must give exactly the bytes Iced gives for that instruction.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class X64EmitterTests
{
    private static readonly long[] Edges =
    [
        0, 1, -1, 2, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536,
        int.MaxValue, int.MinValue, (long)uint.MaxValue, (long)uint.MaxValue + 1, long.MaxValue, long.MinValue,
    ];

    private static readonly MemoryPointer Qword = new(OperandSize.Qword);
    private static readonly MemoryPointer Byte = new(OperandSize.Byte);

    private static byte[] Iced(Action<Assembler> emit) => Support.IcedBytes.Assemble(emit);

    /// <summary>The jumps in <paramref name="code"/>, decoded by Iced.</summary>
    private static List<Instruction> Branches(byte[] code)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code));
        var branches = new List<Instruction>();
        while (decoder.IP < (ulong)code.Length)
        {
            var instruction = decoder.Decode();
            if (instruction.FlowControl is FlowControl.ConditionalBranch or FlowControl.UnconditionalBranch)
            {
                branches.Add(instruction);
            }
        }

        return branches;
    }

    private static byte[] Ours(Action<X64Emitter> emit)
    {
        using var emitter = new X64Emitter(64);
        emit(emitter);
        return emitter.Finish().ToArray();
    }

    [Test]
    public void Patched_immediates_match_Iced_on_every_class_edge()
    {
        foreach (var value in Edges)
        {
            var imm32 = (int)value;
            Assert.That(Ours(e => e.mov(r9, value)), Is.EqualTo(Iced(a => a.mov(r9, value))), $"mov r9, {value}");
            Assert.That(Ours(e => e.add(rcx, imm32)), Is.EqualTo(Iced(a => a.add(rcx, imm32))), $"add rcx, {imm32}");
            Assert.That(Ours(e => e.cmp(r12d, imm32)), Is.EqualTo(Iced(a => a.cmp(r12d, imm32))), $"cmp r12d, {imm32}");
            Assert.That(Ours(e => e.imul(rbp, rbp, imm32)), Is.EqualTo(Iced(a => a.imul(rbp, rbp, imm32))), $"imul rbp, {imm32}");
            Assert.That(Ours(e => e.mov(Byte[rax - 1], (byte)value)), Is.EqualTo(Iced(a => a.mov(__byte_ptr[rax - 1], (byte)value))), $"mov byte, {value}");
            Assert.That(Ours(e => e.shl(r13, (byte)(value & 63))), Is.EqualTo(Iced(a => a.shl(r13, (byte)(value & 63)))), $"shl r13, {value & 63}");
        }
    }

    [Test]
    public void Patched_displacements_match_Iced_on_every_class_edge()
    {
        foreach (var value in Edges.Where(v => v == (int)v))
        {
            var displacement = (int)value;
            foreach (var register in new[] { rax, rbp, r12, r13, r15 })
            {
                Assert.That(Ours(e => e.lea(rax, new Mem(OperandSize.Unsized, register.Value, Register.None, 1, displacement))),
                    Is.EqualTo(Iced(a => a.lea(rax, __[register + displacement]))), $"lea rax, [{register.Value}{displacement:+0;-0}]");
                Assert.That(Ours(e => e.cmp(rax, Qword[register + rdx + displacement])),
                    Is.EqualTo(Iced(a => a.cmp(rax, __qword_ptr[register + rdx + displacement]))), $"cmp rax, [{register.Value}+rdx{displacement:+0;-0}]");
            }
        }
    }

    [Test]
    public void Branches_land_on_their_labels_in_both_directions()
    {
        using var emitter = new X64Emitter(64);
        var back = emitter.CreateLabel();
        var forward = emitter.CreateLabel();
        emitter.Bind(back);
        emitter.nop();
        emitter.jne(forward);
        for (var i = 0; i < 300; i++)
        {
            emitter.nop();
        }

        emitter.jmp(back);
        emitter.Bind(forward);
        emitter.ret();
        var code = emitter.Finish().ToArray();
        var branches = Branches(code);

        Assert.That(branches, Has.Count.EqualTo(2));
        Assert.That(branches[0].NearBranchTarget, Is.EqualTo((ulong)emitter.OffsetOf(forward)));
        Assert.That(branches[1].NearBranchTarget, Is.EqualTo(0UL));
        Assert.That(code[emitter.OffsetOf(forward)], Is.EqualTo(0xc3), "ret at the forward label");
    }

    [Test]
    public void A_captured_sequence_replays_with_its_own_labels_wherever_it_is_copied()
    {
        // Sequence: cmp rax, 7; je <external 0>; (external 1 bound here) add rax, 1; jmp <internal, to its own start>.
        var macro = X64Emitter.Capture(2, (e, labels) =>
        {
            var top = e.CreateLabel();
            e.Bind(top);
            e.cmp(rax, 7);
            e.je(labels[0]);
            e.Bind(labels[1]);
            e.add(rax, 1);
            e.jmp(top);
        });
        using var emitter = new X64Emitter(64);
        var firstTarget = emitter.CreateLabel();
        var firstInside = emitter.CreateLabel();
        var secondTarget = emitter.CreateLabel();
        var secondInside = emitter.CreateLabel();
        emitter.nop();
        var firstStart = emitter.Position;
        emitter.Emit(macro, [firstTarget, firstInside]);
        emitter.nop();
        var secondStart = emitter.Position;
        emitter.Emit(macro, [secondTarget, secondInside]);
        emitter.Bind(firstTarget);
        emitter.nop();
        emitter.Bind(secondTarget);
        emitter.ret();
        var code = emitter.Finish().ToArray();
        var branches = Branches(code);

        Assert.That(branches.Select(b => b.NearBranchTarget), Is.EqualTo(new[]
        {
            (ulong)emitter.OffsetOf(firstTarget), (ulong)firstStart, (ulong)emitter.OffsetOf(secondTarget), (ulong)secondStart,
        }));
        Assert.That(emitter.OffsetOf(secondInside) - secondStart, Is.EqualTo(emitter.OffsetOf(firstInside) - firstStart).And.GreaterThan(0));
        var add = Iced(a => a.add(rax, 1));
        Assert.That(code[emitter.OffsetOf(firstInside)..(emitter.OffsetOf(firstInside) + add.Length)], Is.EqualTo(add), "the bound label is at the add");
    }

    [TestCase(0, 0)]
    [TestCase(1, 0x7abcdef0)]
    [TestCase(-1, 0x40000001)]
    [TestCase(127, int.MinValue)]
    [TestCase(int.MaxValue, int.MinValue)]
    public void Branching_forms_decode_to_their_instructions_and_a_branch_to_their_label(int first, int second)
    {
        // Each form with the instructions Iced must decode from it (the branch last) and the values they must carry: the
        // byte forms take the low byte of the first value, sign-extended.
        var small = (sbyte)first;
        var forms = new (BranchingForm Form, Code[] Codes, long[] Values)[]
        {
            (BranchingForm.MoveEdxThenJump, [Code.Mov_r32_imm32, Code.Jmp_rel32_64], [first]),
            (BranchingForm.AddMeterThenJump, [Code.Add_rm64_imm32, Code.Jmp_rel32_64], [first]),
            (BranchingForm.ChargeByteThenJumpIfShort, [Code.Sub_rm64_imm8, Code.Jl_rel32_64], [small]),
            (BranchingForm.ChargeThenJumpIfShort, [Code.Sub_rm64_imm32, Code.Jl_rel32_64], [first]),
            (BranchingForm.ChargeByteThenJumpIfCovered, [Code.Sub_rm64_imm8, Code.Jge_rel32_64], [small]),
            (BranchingForm.ChargeThenJumpIfCovered, [Code.Sub_rm64_imm32, Code.Jge_rel32_64], [first]),
            (BranchingForm.SplitChargeThenJumpIfShort, [Code.Sub_rm64_imm32, Code.Sub_rm64_imm32, Code.Jl_rel32_64], [first, second]),
            (BranchingForm.SplitChargeThenJumpIfCovered, [Code.Sub_rm64_imm32, Code.Sub_rm64_imm32, Code.Jge_rel32_64], [first, second]),
        };
        Assert.That(forms.Select(f => f.Form), Is.EquivalentTo(Enum.GetValues<BranchingForm>()), "every form is checked");

        using var emitter = new X64Emitter(64);
        var target = emitter.CreateLabel();
        foreach (var (form, _, _) in forms)
        {
            emitter.Branching(form, first, second, target);
        }

        emitter.Bind(target);
        emitter.ret();
        var code = emitter.Finish().ToArray();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code));
        var decoded = new List<Instruction>();
        while (decoder.IP < (ulong)code.Length)
        {
            decoded.Add(decoder.Decode());
        }

        var next = 0;
        foreach (var (form, codes, values) in forms)
        {
            var instructions = decoded.GetRange(next, codes.Length);
            next += codes.Length;
            Assert.That(instructions.Select(i => i.Code), Is.EqualTo(codes), $"{form}");
            for (var i = 0; i < values.Length; i++)
            {
                var register = instructions[i].Op0Register;
                Assert.That(register, Is.EqualTo(codes[i] == Code.Mov_r32_imm32 || codes[i] == Code.Xor_rm32_imm32 ? Register.EDX : Register.R11), $"{form}");
                Assert.That((int)instructions[i].GetImmediate(1), Is.EqualTo((int)values[i]), $"{form} value {i}");
            }

            Assert.That(instructions[^1].NearBranchTarget, Is.EqualTo((ulong)emitter.OffsetOf(target)), $"{form}");
        }

        Assert.That(decoded[next].Code, Is.EqualTo(Code.Retnq));
    }

    [Test]
    public void Branches_left_to_patch_land_where_their_stub_is_emitted()
    {
        // A captured sequence with two stub slots (one it branches to, one it does not) and a labelled target, then a
        // branch form and a plain branch left to patch: each stub patches its branch when it is emitted.
        var macro = X64Emitter.Capture(3, (e, labels) =>
        {
            e.cmp(rax, 7);
            e.je(labels[0]);
            e.jmp(labels[2]);
        });
        using var emitter = new X64Emitter(64);
        var target = emitter.CreateLabel();
        Span<int> stubs = stackalloc int[2];
        emitter.Emit(macro, [default, default, target], stubs);
        Assert.That(stubs[1], Is.EqualTo(-1), "no branch to the second slot");
        var formBranch = emitter.BranchingToPatch(BranchingForm.MoveEdxThenJump, 42, 0);
        var plainBranch = emitter.BranchToPatch(BranchForm.Jne);
        emitter.Bind(target);
        emitter.ret();
        var (first, second, third) = (emitter.Position, emitter.Position + 1, emitter.Position + 2);
        emitter.PatchBranchHere(stubs[0]);
        emitter.nop();
        emitter.PatchBranchHere(formBranch);
        emitter.nop();
        emitter.PatchBranchHere(plainBranch);
        emitter.ret();
        var code = emitter.Finish().ToArray();

        Assert.That(Branches(code).Select(b => b.NearBranchTarget), Is.EqualTo(new[]
        {
            (ulong)first, (ulong)emitter.OffsetOf(target), (ulong)second, (ulong)third,
        }));
    }

    [Test]
    public void A_captured_sequence_may_not_branch_twice_to_a_stub_without_a_label()
    {
        var macro = X64Emitter.Capture(1, (e, labels) =>
        {
            e.je(labels[0]);
            e.jne(labels[0]);
        });
        using var emitter = new X64Emitter(64);
        var stubs = new int[1];
        Assert.That(() => emitter.Emit(macro, [default], stubs), Throws.InstanceOf<Tos.Tbpf.Jit.JitException>());
    }

    [Test]
    public void A_branch_to_a_label_never_bound_is_a_compile_error()
    {
        using var emitter = new X64Emitter(64);
        emitter.jmp(emitter.CreateLabel());
        Assert.That(() => emitter.Finish(), Throws.InstanceOf<Tos.Tbpf.Jit.JitException>());
    }
}
