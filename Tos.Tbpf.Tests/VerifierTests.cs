using NUnit.Framework;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;
using Tos.Tbpf.Tests.Support;
using Tos.Tbpf.Verification;
using static Tos.Tbpf.Tests.Support.Bytecode;

namespace Tos.Tbpf.Tests;

/// <summary>One test per rejection of DESIGN §7: the kind, the pc, and a message quoting the instruction.</summary>
public sealed class VerifierTests
{
    private static VerifierException Reject(byte[] code, Profile? profile = null, SyscallRegistry? syscalls = null, long entry = 0) =>
        Assert.Throws<VerifierException>(() =>
            Verifier.Verify(new Executable(code, 0, code.Length, entry, profile ?? Profile.Tbpf, syscalls ?? SyscallRegistry.Empty)))!;

    private static VerifierException Reject(string asm, Profile? profile = null) =>
        Reject(Assembler.AssembleBytes(asm), profile);

    [Test]
    public void Empty_program()
    {
        var error = Reject([]);
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.EmptyProgram));
    }

    [Test]
    public void Size_not_a_multiple_of_eight()
    {
        var error = Reject(Concat(Exit, [0x95, 0, 0]));
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.SizeNotMultipleOfSlot));
        Assert.That(error.Message, Does.Contain("11 bytes"));
    }

    [Test]
    public void More_than_one_mebibyte()
    {
        var code = new byte[Verifier.MaxTextSize + 8];
        var error = Reject(code);
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.ProgramTooLarge));
    }

    [Test]
    public void Unknown_opcode_names_it_and_its_pc()
    {
        var error = Reject(Concat(Slot(0xb7), Slot(0xff), Exit));
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.UnknownOpcode, 1L)));
        Assert.That(error.Message, Does.Contain("0xff"));
    }

    [Test]
    public void Known_opcode_with_an_unknown_discriminant()
    {
        // sdiv's opcode with offset 2: neither div (0) nor sdiv (1).
        var error = Reject(Concat(Slot(0x3f, dst: 1, src: 2, offset: 2), Exit));
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.UnknownOpcode));
        Assert.That(error.Message, Does.Contain("offset"));
    }

    [Test]
    public void Opcode_the_profile_does_not_enable()
    {
        var profile = Profile.Tbpf with { Name = "no-atomics", Features = Isa.IsaFeatures.All & ~Isa.IsaFeatures.Atomics };
        var error = Reject("lock add [r10-8], r1\nexit", profile);
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.UnsupportedByProfile));
        Assert.That(error.Message, Does.Contain("lock add64 [r10-8], r1").And.Contain("no-atomics"));
    }

    [Test]
    public void Reserved_field_not_zero()
    {
        // mov64 r0, 1 with a non-zero offset.
        var error = Reject(Concat(Slot(0xb7, offset: 3, imm: 1), Exit));
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.NonZeroReservedField));
        Assert.That(error.Message, Does.Contain("offset"));
    }

    [TestCase((byte)11, (byte)0, TestName = "Destination register r11")]
    [TestCase((byte)1, (byte)15, TestName = "Source register r15")]
    public void Bad_register_numbers(byte dst, byte src)
    {
        var error = Reject(Concat(Slot(0xbf, dst, src), Exit));
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.InvalidRegister, 0L)));
    }

    [TestCase("mov r10, 1")]
    [TestCase("add r10, r1")]
    [TestCase("ldxdw r10, [r1+0]")]
    [TestCase("lddw r10, 5")]
    [TestCase("neg r10")]
    [TestCase("lock fetch add [r1+0], r10")]
    [TestCase("lock xchg32 [r1+0], r10")]
    public void Writes_to_the_frame_pointer(string instruction)
    {
        var error = Reject($"{instruction}\nexit");
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.WriteToFramePointer, 0L)));
    }

    [Test]
    public void Reading_the_frame_pointer_and_storing_through_it_are_fine()
    {
        Assert.DoesNotThrow(() => Vm.Load(Executable.FromAssembly(
            "mov r1, r10\nstxdw [r10-8], r1\nlock add [r10-8], r1\nlock cmpxchg [r10-8], r10\nexit", Profile.Tbpf)));
    }

    [TestCase("ja +5\nexit", 0, TestName = "Jump past the end")]
    [TestCase("exit\nja -3", 1, TestName = "Jump before the start")]
    [TestCase("jeq r1, 0, +1\nexit", 0, TestName = "Conditional jump to one past the end")]
    [TestCase("ja32 +9\nexit", 0, TestName = "Long jump past the end")]
    public void Jumps_out_of_the_program(string asm, long pc)
    {
        var error = Reject(asm);
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.JumpOutOfRange, pc)));
    }

    [Test]
    public void Jump_into_an_lddw_tail()
    {
        var error = Reject("ja +1\nlddw r0, 1\nexit");
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.JumpIntoLddw, 0L)));
        Assert.That(error.Message, Does.Contain("'ja +1'"));
    }

    [Test]
    public void Local_call_into_an_lddw_tail()
    {
        var error = Reject("call local +1\nlddw r0, 1\nexit");
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.JumpIntoLddw, 0L)));
    }

    [Test]
    public void Lddw_as_the_last_slot()
    {
        var error = Reject(Concat(Exit, Slot(0x18, imm: 1)));
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.IncompleteLddw, 1L)));
    }

    [Test]
    public void Lddw_with_a_dirty_second_slot()
    {
        var error = Reject(Concat(Slot(0x18, imm: 1), Slot(0x95), Exit));
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.IncompleteLddw, 0L)));
    }

    [TestCase("div r1, 0")]
    [TestCase("div32 r1, 0")]
    [TestCase("mod r1, 0")]
    [TestCase("mod32 r1, 0")]
    [TestCase("sdiv r1, 0")]
    [TestCase("smod32 r1, 0")]
    public void Division_by_a_zero_immediate(string instruction)
    {
        var error = Reject($"{instruction}\nexit");
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.DivisionByZeroImmediate, 0L)));
    }

    [Test]
    public void Division_by_a_zero_immediate_runs_under_rfc9669()
    {
        Assert.DoesNotThrow(() => Vm.Load(Executable.FromAssembly("div r1, 0\nexit", Profile.Rfc9669)));
    }

    [TestCase("lsh32 r1, 32")]
    [TestCase("rsh32 r1, -1")]
    [TestCase("arsh32 r1, 40")]
    [TestCase("lsh r1, 64")]
    [TestCase("rsh r1, 100")]
    [TestCase("arsh r1, -1")]
    public void Immediate_shift_not_below_the_width(string instruction)
    {
        var error = Reject($"{instruction}\nexit");
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.ShiftOutOfRange, 0L)));
    }

    [TestCase("lsh32 r1, 31")]
    [TestCase("arsh r1, 63")]
    public void Immediate_shift_just_below_the_width_is_fine(string instruction)
    {
        Assert.DoesNotThrow(() => Vm.Load(Executable.FromAssembly($"{instruction}\nexit", Profile.Tbpf)));
    }

    [TestCase((byte)0xdc, 8)]
    [TestCase((byte)0xd4, 0)]
    [TestCase((byte)0xd7, 24)]
    public void Bad_byte_swap_width(byte opcode, int width)
    {
        var error = Reject(Concat(Slot(opcode, dst: 1, imm: width), Exit));
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.InvalidByteSwapWidth));
        Assert.That(error.Message, Does.Contain($"width {width}"));
    }

    [TestCase("call local +5\nexit", TestName = "Local call past the end")]
    [TestCase("call local -2\nexit", TestName = "Local call before the start")]
    public void Local_call_outside_the_program(string asm)
    {
        var error = Reject(asm);
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.CallOutOfRange, 0L)));
    }

    [Test]
    public void Unregistered_syscall_names_the_hash()
    {
        var error = Reject("syscall sol_log_\nexit");
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.UnknownSyscall, 0L)));
        Assert.That(error.Message, Does.Contain($"0x{Murmur3.HashName("sol_log_"):x8}"));
    }

    [Test]
    public void Unregistered_helper_names_the_number()
    {
        var error = Reject("call 7\nexit", Profile.Rfc9669);
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.UnknownSyscall));
        Assert.That(error.Message, Does.Contain("number 7"));
    }

    [Test]
    public void Registered_syscall_passes_and_is_quoted_by_name()
    {
        var syscalls = new SyscallRegistry().Register("sol_log_", (_, _, _, _, _, _) => 0);
        var code = Assembler.AssembleBytes("syscall sol_log_\nexit");
        Assert.DoesNotThrow(() => Verifier.Verify(Executable.FromBytecode(code, Profile.Tbpf, syscalls)));
    }

    [TestCase("mov r0, 1", TestName = "Last instruction is an ALU op")]
    [TestCase("exit\njeq r0, 0, -2", TestName = "Last instruction is a conditional jump")]
    [TestCase("exit\ncall local -2", TestName = "Last instruction is a call")]
    public void Falls_off_the_end(string asm)
    {
        var error = Reject(asm);
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.FallsOffEnd));
    }

    [TestCase(5L)]
    [TestCase(-1L)]
    [TestCase(1L)]
    public void Entry_point_outside_the_text_or_in_an_lddw_tail(long entry)
    {
        var error = Reject(Assembler.AssembleBytes("lddw r0, 1\nexit"), entry: entry);
        Assert.That(error.Kind, Is.EqualTo(VerifierErrorKind.InvalidEntryPoint));
    }
}
