using Iced.Intel;
using NUnit.Framework;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Jit.Compiler;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Programs;
using Encoder = Tos.Tbpf.Isa.Encoder;
using Instruction = Tos.Tbpf.Isa.Instruction;
using static Iced.Intel.AssemblerRegisters;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>
/// Whole-instruction templates: what a recording may become, that a copy patched with another immediate is exactly
/// what Iced assembles for that immediate, and that compiling arithmetic makes and uses them. (Every test that compiles
/// also compares each copy with a fresh emission: see <see cref="EncodingCrossCheck"/>.)
/// </summary>
public sealed class InstructionTemplateTests
{
    private const ulong Key = 1UL << 63 | 0x1234;

    private static byte[] Iced(Action<Assembler> emit) => Support.IcedBytes.Assemble(emit);

    private static InstructionTemplate Record(long immediate, bool patchImmediate, Action<X64Emitter> emit, long? offset = null)
    {
        using var recorder = X64Emitter.ForRecording(crossCheck: true);
        emit(recorder);
        return recorder.ToTemplate(Key, immediate, patchImmediate, offset);
    }

    private static byte[] Copy(InstructionTemplate template, long immediate, long offset = 0)
    {
        using var emitter = new X64Emitter(64);
        emitter.Emit(template, immediate, offset);
        return emitter.Finish().ToArray();
    }

    [TestCase(5, 100)]
    [TestCase(-1, -128)]
    [TestCase(0x1234, 0x7fff)]
    [TestCase(0x12345, int.MinValue)]
    public void A_copy_patched_with_another_immediate_of_its_class_is_what_Iced_assembles(int recorded, int copied)
    {
        // Two immediate fields in one sequence (the first always four bytes, the second by class), the first followed by
        // more code and the second by nothing.
        var template = Record(recorded, patchImmediate: true, e =>
        {
            e.mov(eax, recorded);
            e.imul(rdx, rdx, recorded);
        });

        Assert.That(template.Usable, Is.True);
        Assert.That(template.FieldCount, Is.EqualTo(2));
        Assert.That(Copy(template, copied), Is.EqualTo(Iced(a =>
        {
            a.mov(eax, copied);
            a.imul(rdx, rdx, copied);
        })));
    }

    [TestCase(-8, -16)]
    [TestCase(-8, -128)]
    [TestCase(-512, -4096)]
    public void A_frame_access_copy_takes_its_offset_and_keeps_the_context_field(int recorded, int copied)
    {
        // The shape of an unchecked frame access: the stack bias from the context (a constant displacement), plus r10,
        // then the access at the instruction's offset.
        var qword = new MemoryPointer(OperandSize.Qword);
        var template = Record(0x5a, true, e =>
        {
            e.mov(rax, qword[r15 + 0x40]);
            e.add(rax, rbp);
            e.mov(qword[rax + recorded], 0x5a);
        }, offset: recorded);

        Assert.That(template.Usable, Is.True);
        Assert.That(Copy(template, 0x77, copied), Is.EqualTo(Iced(a =>
        {
            a.mov(rax, __qword_ptr[r15 + 0x40]);
            a.add(rax, rbp);
            a.mov(__qword_ptr[rax + copied], 0x77);
        })));
    }

    [Test]
    public void A_template_whose_key_fixes_its_bytes_is_copied_unpatched()
    {
        var template = Record(5, patchImmediate: false, e => e.shl(r13, 5));

        Assert.That(template.Usable, Is.True);
        Assert.That(Copy(template, 69), Is.EqualTo(Iced(a => a.shl(r13, 5))));
    }

    [Test]
    public void A_recording_a_copy_cannot_reproduce_makes_no_usable_template()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Record(5, true, e => e.add(rcx, 6)).Usable, Is.False, "an immediate that is not the instruction's");
            Assert.That(Record(8, true, e => e.mov(rax, new MemoryPointer(OperandSize.Qword)[r15 + 8])).Usable, Is.False,
                "a displacement where no offset is patched");
            Assert.That(Record(0, true, e =>
            {
                var label = e.CreateLabel();
                e.Bind(label);
                e.jmp(label);
            }).Usable, Is.False, "a label and a branch");
            Assert.That(Record(0x1122334455667788, true, e =>
            {
                e.mov(rax, 0x1122334455667788);
                e.mov(rdx, 0x1122334455667788);
                e.mov(rcx, 0x1122334455667788);
            }).Usable, Is.False, "30 bytes");
            Assert.That(Record(5, true, e =>
            {
                e.add(rcx, 5);
                e.add(rdx, 5);
                e.add(rsi, 5);
            }).Usable, Is.False, "three fields");
            Assert.That(Record(0, true, e => e.mov(eax, 0)).Usable, Is.True, "a short sequence, copyable, for contrast");
        });
    }

    [Test]
    public void Compiling_makes_a_usable_template_per_key_and_none_for_what_must_not_be_copied()
    {
        const string asm = """
            mov r1, 7
            add r1, r2
            lsh r1, 3
            neg r1
            mul32 r1, 0x3000
            add r1, 0x12345
            div r1, 3
            stxdw [r10-8], r1
            ldxdw r0, [r10-8]
            exit
            """;
        var program = Vm.Load(Executable.FromAssembly(asm, Profile.Tbpf));
        using var compiled = JitProgram.Compile(program);

        var keys = program.Executable.Code.Take(program.Executable.Code.Length - 1)
            .Select(ins => (ins.Op, Key: X64Compiler.TemplateKey(ins, frameAccess: ins.Op is Op.StxDw or Op.LdxDw,
                signExtend32Results: false, blindConstants: true, out _)))
            .ToList();
        Assert.Multiple(() =>
        {
            foreach (var (op, key) in keys.Where(k => k.Op is not (Op.Add64Imm or Op.Div64Imm)))
            {
                Assert.That(key, Is.Not.Zero, $"{op} has a template key");
                Assert.That(InstructionTemplates.Find(key)?.Usable, Is.True, $"{op}'s template after compiling");
            }

            // 0x12345 carries two chosen bytes, so it is blinded with a fresh key at every use: no template of this key
            // (its own is keyed by the blinded value's class: see the next test). Division defers a slow path.
            Assert.That(keys.Single(k => k.Op == Op.Add64Imm).Key, Is.Zero, "a blinded immediate");
            Assert.That(keys.Single(k => k.Op == Op.Div64Imm).Key, Is.Zero, "division");
        });
    }

    [Test]
    public void Blinded_arithmetic_is_copied_from_a_template_keyed_by_the_blinded_value_and_keeps_its_constant_out()
    {
        // Operations, widths and registers whose immediates all carry several chosen bytes; each compiled twice, with
        // different keys. (Every copy is also compared with a fresh ordinary emission blinded with the same key: see
        // EncodingCrossCheck.)
        Instruction[] code =
        [
            Encoder.Make(Op.Add64Imm, 1, imm: 0x12345), Encoder.Make(Op.Mov64Imm, 7, imm: -0x3c3d3e3f), Encoder.Make(Op.Mov32Imm, 9, imm: 0x7654321),
            Encoder.Make(Op.Xor32Imm, 0, imm: 0x5a5a5a), Encoder.Make(Op.Mul64Imm, 4, imm: 0x10001), Encoder.Make(Op.And64Imm, 6, imm: 0xff00ff),
            Encoder.Make(Op.Sub32Imm, 3, imm: 0x4142), Encoder.Make(Op.Exit),
        ];
        var program = Vm.Load(Executable.FromBytecode(Encoder.Encode(code), Profile.Tbpf));
        foreach (var seed in new[] { 1, 2 })
        {
            using var compiled = JitProgram.Compile(program, new JitOptions(NopInsertion: false, Seed: seed));
            var bytes = compiled.Code.ToArray();
            Assert.Multiple(() =>
            {
                foreach (var ins in code[..^1])
                {
                    // Some class and sign of the blinded value has a usable template after compiling.
                    var templated = new[] { 0x7f, 0x12345, -0x7f, -0x12345 }.Any(masked =>
                        InstructionTemplates.Find(X64Compiler.BlindedTemplateKey(ins, masked, signExtend32Results: false))?.Usable == true);
                    Assert.That(templated, Is.True, $"{ins.Op} r{ins.Dst}: a template of its blinded form");
                    Assert.That(bytes.AsSpan().IndexOf(BitConverter.GetBytes(ins.Imm32)), Is.EqualTo(-1), $"{ins.Op}: 0x{ins.Imm32:x} is not in the code");
                }
            });
        }
    }

    [Test]
    public void Keys_separate_what_changes_the_code()
    {
        static ulong KeyOf(Instruction ins, bool signExtend = false, bool blind = true, bool frame = false) =>
            X64Compiler.TemplateKey(ins, frame, signExtend, blind, out _);

        var add = Encoder.Make(Op.Add64Imm, 1, imm: 5);
        Assert.Multiple(() =>
        {
            Assert.That(KeyOf(add), Is.EqualTo(KeyOf(Encoder.Make(Op.Add64Imm, 1, imm: 100))), "one size class");
            Assert.That(KeyOf(add), Is.Not.EqualTo(KeyOf(Encoder.Make(Op.Add64Imm, 1, imm: 1000))), "imm8 against imm32");
            Assert.That(KeyOf(add), Is.Not.EqualTo(KeyOf(Encoder.Make(Op.Add64Imm, 2, imm: 5))), "another register");
            Assert.That(KeyOf(add), Is.Not.EqualTo(KeyOf(add, signExtend: true)), "the profile's sign extension");
            Assert.That(KeyOf(Encoder.Make(Op.Lsh64Imm, 1, imm: 2)), Is.Not.EqualTo(KeyOf(Encoder.Make(Op.Lsh64Imm, 1, imm: 3))),
                "each shift count");
            Assert.That(KeyOf(Encoder.Make(Op.Add64Imm, 1, imm: 0x12345), blind: false), Is.Not.Zero, "unblinded, a large constant is patched");
            var load = Encoder.Make(Op.LdxDw, 1, 10, offset: -8);
            Assert.That(KeyOf(load), Is.Zero, "a load that is not an unchecked frame access");
            Assert.That(KeyOf(load, frame: true), Is.EqualTo(KeyOf(Encoder.Make(Op.LdxDw, 1, 10, offset: -16), frame: true)), "disp8 offsets");
            Assert.That(KeyOf(load, frame: true), Is.Not.EqualTo(KeyOf(Encoder.Make(Op.LdxDw, 1, 10, offset: -512), frame: true)), "disp8 against disp32");
            Assert.That(KeyOf(Encoder.Make(Op.StW, 10, offset: -8, imm: 0x12345), frame: true), Is.Zero, "a store of a blinded immediate");
            Assert.That(KeyOf(Encoder.Make(Op.StW, 10, offset: -8, imm: 0x33), frame: true), Is.Not.Zero, "a store of a one-byte immediate");
        });
    }
}
