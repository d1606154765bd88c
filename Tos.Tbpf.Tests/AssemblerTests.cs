using System.Buffers.Binary;
using NUnit.Framework;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;
using Tos.Tbpf.Tests.Support;
using static Tos.Tbpf.Tests.Support.Bytecode;

namespace Tos.Tbpf.Tests;

/// <summary>Both assembler syntaxes, the encodings they produce (checked against RFC 9669 tables), error messages,
/// and the disassembler round trip.</summary>
public sealed class AssemblerTests
{
    // Expected bytes come from RFC 9669's encoding tables, written out by hand.
    [TestCase("mov %r0, 1", "b700000001000000")]
    [TestCase("mov64 r0, 1", "b700000001000000")]
    [TestCase("mov32 r3, -1", "b4030000ffffffff")]
    [TestCase("add %r1, %r2", "0f21000000000000")]
    [TestCase("add32 r1, 0xffffffff", "04010000ffffffff")]
    [TestCase("ldxw %r0, [%r1+4]", "6110040000000000")]
    [TestCase("ldxdw r0, [r1-8]", "7910f8ff00000000")]
    [TestCase("stb [r10-1], 0x5a", "720affff5a000000")]
    [TestCase("stxdw [r10 - 16], r6", "7b6af0ff00000000")]
    [TestCase("ldxsb r2, [r3+0]", "9132000000000000")]
    [TestCase("lock fetch add32 [%r10-8], %r1", "c31af8ff01000000")]
    [TestCase("lock add [r1+0], r2", "db21000000000000")]
    [TestCase("lock cmpxchg [r1+0], r2", "db210000f1000000")]
    [TestCase("lock xchg32 [r1+0], r2", "c3210000e1000000")]
    [TestCase("sdiv r1, r2", "3f21010000000000")]
    [TestCase("smod32 r1, 3", "9401010003000000")]
    [TestCase("movsx832 %r0, %r1", "bc10080000000000")]
    [TestCase("movsx3264 r0, r1", "bf10200000000000")]
    [TestCase("be16 r0", "dc00000010000000")]
    [TestCase("le64 r0", "d400000040000000")]
    [TestCase("bswap32 r0", "d700000020000000")]
    [TestCase("swap64 r0", "d700000040000000")]
    [TestCase("neg r4", "8704000000000000")]
    [TestCase("call 5", "8500000005000000")]
    [TestCase("call %r2", "8d02000000000000")]
    [TestCase("callx r2", "8d02000000000000")]
    [TestCase("syscall sol_log_", "85000000bd597520")]
    [TestCase("exit", "9500000000000000")]
    public void Encodes_one_instruction(string source, string hex)
    {
        Assert.That(Convert.ToHexStringLower(Assembler.AssembleBytes(source)), Is.EqualTo(hex));
    }

    [Test]
    public void Syscall_key_is_murmur3_of_the_name()
    {
        Assert.That(Murmur3.HashName("sol_log_"), Is.EqualTo(544561597u));
        Assert.That(Murmur3.Hash32([]), Is.EqualTo(0u), "MurmurHash3_x86_32 of nothing with seed 0");
        Assert.That(Murmur3.Hash32("abc"u8.ToArray()), Is.EqualTo(0xb3dd93fau), "the published test vector for 'abc'");
    }

    [Test]
    public void Lddw_takes_two_slots_low_half_first()
    {
        Assert.That(Convert.ToHexStringLower(Assembler.AssembleBytes("lddw %r0, 0x123456789abcdef0")),
            Is.EqualTo("18000000f0debc9a" + "0000000078563412"));
    }

    [Test]
    public void Labels_resolve_to_relative_offsets_in_both_syntaxes()
    {
        var conformance = Assembler.AssembleBytes("ja L\nmov %r0, 1\nL:\nexit");
        var sbpf = Assembler.AssembleBytes("ja lbl\nmov64 r0, 1\nlbl: exit");
        Assert.That(conformance, Is.EqualTo(sbpf));
        Assert.That(Convert.ToHexStringLower(conformance[..8]), Is.EqualTo("0500010000000000"));
    }

    [Test]
    public void Local_calls_and_long_jumps_put_the_offset_in_imm()
    {
        var code = Assembler.AssembleBytes("call local f\nja32 f\nexit\nf:\nexit");
        Assert.That(Convert.ToHexStringLower(code[..16]), Is.EqualTo("8510000002000000" + "0600000001000000"));
        Assert.That(Assembler.AssembleBytes("call f\nja32 f\nexit\nf:\nexit"), Is.EqualTo(code));
    }

    [Test]
    public void Jump_to_exit_without_a_label_goes_to_the_first_exit()
    {
        var code = Assembler.AssembleBytes("jne %r0, 1, exit\nmov %r0, 2\nexit\nmov %r0, 3\nexit");
        Assert.That(Convert.ToHexStringLower(code[..8]), Is.EqualTo("5500010001000000"));
    }

    [Test]
    public void Comments_and_blank_lines_are_ignored()
    {
        Assert.That(Assembler.AssembleBytes("# comment\n\nmov r0, 1 // note\n; more\nexit # end"),
            Is.EqualTo(Assembler.AssembleBytes("mov r0, 1\nexit")));
    }

    [Test]
    public void Raw_slots_assemble_verbatim()
    {
        Assert.That(Assembler.AssembleBytes(".slot 0x00000000000000ff"), Is.EqualTo(Slot(0xff)));
    }

    [TestCase("mov r0, 1\nfrob r1, 2", 2, 1, "frob", "unknown mnemonic")]
    [TestCase("mov r11, 1", 1, 5, "r11", "does not exist")]
    [TestCase("mov r0, x1", 1, 9, "x1", "expected an integer")]
    [TestCase("ja nowhere", 1, 4, "nowhere", "undefined label")]
    [TestCase("mov r0, 0x1ffffffff", 1, 9, "0x1ffffffff", "does not fit in 32 bits")]
    [TestCase("ldxw r0, [r1+40000]", 1, 10, "[r1+40000]", "16 bits")]
    [TestCase("ldxw r0, r1", 1, 10, "r1", "memory operand")]
    [TestCase("add r0", 1, 1, "add", "expects 2 operand(s), found 1")]
    [TestCase("a:\na:\nexit", 2, 1, "a", "label defined twice")]
    [TestCase("call sideways f", 1, 6, "sideways", "'local' or 'helper'")]
    public void Errors_name_line_column_token_and_reason(string source, int line, int column, string token, string reason)
    {
        var error = Assert.Throws<AssemblerException>(() => Assembler.Assemble(source))!;
        Assert.Multiple(() =>
        {
            Assert.That(error.Line, Is.EqualTo(line), "line");
            Assert.That(error.Column, Is.EqualTo(column), "column");
            Assert.That(error.Token, Is.EqualTo(token), "token");
            Assert.That(error.Message, Does.Contain(reason).And.StartWith($"line {line}, column {column}"));
        });
    }

    [Test]
    public void Disassembly_of_random_valid_programs_assembles_to_the_same_bytes(
        [Values(Profile_.Tbpf, Profile_.Rfc9669)] Profile_ which, [Range(1, 40)] int seed)
    {
        var profile = which == Profile_.Tbpf ? Profile.Tbpf : Profile.Rfc9669;
        var syscalls = new SyscallRegistry().Register("sol_log_", (_, _, _, _, _, _) => 0).Register("tos_log", (_, _, _, _, _, _) => 0);
        var program = new RandomPrograms(seed, profile, syscalls).Next(200);
        var bytes = Encoder.Encode(program);
        Assert.DoesNotThrow(() => Vm.Load(Executable.FromBytecode(bytes, profile, syscalls)), "the generator makes valid programs");

        var text = Disassembler.Disassemble(Decoder.Decode(bytes), syscalls);

        Assert.That(Assembler.AssembleBytes(text), Is.EqualTo(bytes), text);
    }

    [Test]
    public void Under_an_sbpf_profile_any_slots_disassemble_to_text_that_assembles_back_to_them(
        [Values("sbpfv0", "sbpfv3")] string name, [Range(1, 30)] int seed)
    {
        // Slots an sbpf verifier may accept with fields TBPF would refuse (offsets on div and mov, src on calls and imm
        // forms, callx registers in imm, lddw with src): the text keeps every byte, raw where it must.
        var profile = Profile.ByName(name)!;
        var syscalls = Tos.Tbpf.Host.SolanaSyscalls.Registry();
        var random = new Random(seed);
        byte[] codes = [0x07, 0x0f, 0x37, 0x3f, 0x3c, 0x97, 0xbf, 0xbc, 0xb7, 0x85, 0x8d, 0x95, 0x05, 0x15, 0x16, 0x61, 0x7b, 0x72, 0xd4, 0xdc, 0x18, 0x00, 0xff];
        var slots = new List<byte>();
        for (var i = 0; i < 200; i++)
        {
            var code = codes[random.Next(codes.Length)];
            var slot = new byte[8];
            random.NextBytes(slot);
            slot[0] = code;
            if (random.Next(3) == 0) slot[1] = 0;
            if (code == 0x85 && random.Next(2) == 0) BinaryPrimitives.WriteUInt32LittleEndian(slot.AsSpan(4), Murmur3.HashName("sol_log_"));
            if (code == 0x85 && random.Next(2) == 0) slot[1] = 0;
            slots.AddRange(slot);
        }

        var bytes = slots.ToArray();
        var text = Disassembler.Disassemble(Decoder.Decode(bytes, profile), syscalls, profile: profile);

        Assert.That(Executable.FromAssembly(text, profile, syscalls).ProgramRegion, Is.EqualTo(bytes), text);
    }

    [Test]
    public void Fill_lines_cannot_ask_for_more_than_a_whole_program()
    {
        var one = $".fill {Assembler.MaxFill}, 0x95\n";
        Assert.That(Assembler.Assemble(one).Instructions, Has.Length.EqualTo(Assembler.MaxFill));
        var error = Assert.Throws<AssemblerException>(() => Assembler.Assemble(one + ".fill 1, 0x95\n"))!;
        Assert.That(error.Message, Does.Contain("in all"));
    }

    public enum Profile_
    {
        Tbpf,
        Rfc9669,
    }

    [Test]
    public void Every_opcode_row_round_trips_through_text()
    {
        foreach (var row in OpcodeTable.All)
        {
            // Every field the row uses gets a distinctive value; the rest stay zero, as the verifier insists.
            var used = row.UsedFields;
            var relativeTarget = row.IsJump || row.Shape == OperandShape.CallLocal;
            var instruction = Encoder.Make(row.Op,
                dst: (used & InstructionFields.Dst) != 0 ? (byte)1 : (byte)0,
                src: (used & InstructionFields.Src) != 0 ? (byte)2 : (byte)0,
                offset: (used & InstructionFields.Offset) != 0 && !relativeTarget ? (short)-8 : (short)0,
                imm: (used & InstructionFields.Imm) != 0 && !relativeTarget ? 9 : 0);
            var bytes = Encoder.Encode([instruction, .. instruction.Op == Op.Lddw ? new[] { new Instruction(Op.LddwTail, 0, 0, 0, 0, 0) } : []]);
            var text = Disassembler.Disassemble(Decoder.Decode(bytes));
            Assert.That(Assembler.AssembleBytes(text), Is.EqualTo(bytes), $"{row.Op}: {text}");
            Assert.That(Decoder.Decode(bytes)[0].Op, Is.EqualTo(row.Op), $"{row.Op} decodes to itself");
        }
    }

    [Test]
    public void Unknown_slots_disassemble_as_raw_slots()
    {
        var bytes = Concat(Slot(0xff, 1, 2, 3, 4), Exit);
        var text = Disassembler.Disassemble(Decoder.Decode(bytes));
        Assert.That(text, Does.Contain(".slot 0x00000004000321ff"));
        Assert.That(Assembler.AssembleBytes(text), Is.EqualTo(bytes));
    }
}
