using NUnit.Framework;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;
using Tos.Tbpf.Verification;
using static Tos.Tbpf.Tests.Support.Bytecode;

namespace Tos.Tbpf.Tests;

/// <summary>
/// sbpf's verifier rules under the sbpf profiles (its RequisiteVerifier): what it refuses with which kind and pc, and what
/// TBPF's own rules would refuse but sbpf accepts (unused fields, calls, the end of the text).
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SbpfVerifierTests
{
    private static Executable Program(byte[] code, Profile profile) =>
        new(code, 0, code.Length, 0, profile, SyscallRegistry.Empty);

    private static VerifierException Reject(byte[] code, Profile profile) =>
        Assert.Throws<VerifierException>(() => Verifier.Verify(Program(code, profile)))!;

    private static void Accept(byte[] code, Profile profile) =>
        Assert.DoesNotThrow(() => Verifier.Verify(Program(code, profile)));

    [TestCase("sbpfv0")]
    [TestCase("sbpfv3")]
    [TestCase("sbpfv4")]
    public void Fields_an_instruction_does_not_use_are_ignored(string name)
    {
        var profile = Profile.ByName(name)!;
        Accept(Concat(Slot(0xb7, dst: 1, src: 3, offset: 9, imm: 5), Exit), profile);      // mov64 imm with src and offset
        Accept(Concat(Slot(0x95, src: 2, offset: 1, imm: 7)), profile);                     // exit with fields, and no exit after it
        Accept(Concat(Slot(0x18, dst: 1, src: 4, imm: 1), Slot(0x00, dst: 3, offset: 5), Exit), profile); // lddw tail: opcode 0 is enough
        Assert.That(Reject(Concat(Slot(0xb7, dst: 1, src: 3, offset: 9, imm: 5), Exit), Profile.Tbpf).Kind,
            Is.EqualTo(VerifierErrorKind.NonZeroReservedField), "TBPF's rules refuse what sbpf ignores");
    }

    [TestCase("sbpfv0")]
    [TestCase("sbpfv3")]
    public void Dst_r10_is_refused_for_every_instruction_but_a_store(string name)
    {
        var profile = Profile.ByName(name)!;
        Assert.That(Reject(Concat(Slot(0x15, dst: 10, offset: 0), Exit), profile).Kind, Is.EqualTo(VerifierErrorKind.WriteToFramePointer),
            "even a jump naming r10 as dst");
        Assert.That(Reject(Concat(Slot(0x07, dst: 10, imm: 64), Exit), profile).Kind, Is.EqualTo(VerifierErrorKind.WriteToFramePointer),
            "no dynamic stack frames in V0, V3 or V4");
        Accept(Concat(Slot(0x7a, dst: 10, offset: -8, imm: 1), Exit), profile);
    }

    [TestCase("sbpfv0", 11, 0, VerifierErrorKind.InvalidRegister)]
    [TestCase("sbpfv3", 0, 11, VerifierErrorKind.InvalidRegister)]
    public void Registers_above_r10_are_refused(string name, int dst, int src, VerifierErrorKind kind) =>
        Assert.That(Reject(Concat(Slot(0xbf, dst: (byte)dst, src: (byte)src), Exit), Profile.ByName(name)!).Kind, Is.EqualTo(kind));

    [Test]
    public void The_callx_register_is_imm_under_v0_and_dst_under_v3_and_must_be_r0_to_r9()
    {
        Accept(Concat(Slot(0x8d, imm: 9), Exit), Profile.SbpfV0);
        Assert.That(Reject(Concat(Slot(0x8d, imm: 10), Exit), Profile.SbpfV0).Kind, Is.EqualTo(VerifierErrorKind.InvalidRegister));
        Accept(Concat(Slot(0x8d, dst: 9), Exit), Profile.SbpfV3);
        Assert.That(Reject(Concat(Slot(0x8d, dst: 10), Exit), Profile.SbpfV3).Kind, Is.EqualTo(VerifierErrorKind.InvalidRegister),
            "sbpf checks callx's register before the dst rule");
    }

    [Test]
    public void An_inconsistent_profile_is_a_programming_error()
    {
        // Gaps need a power-of-two frame; a host that builds such a profile by hand is told so when it loads a program.
        var odd = Profile.SbpfV0 with { StackFrameSize = 1000 };
        Assert.That(() => Verifier.Verify(Program(Exit, odd)), Throws.ArgumentException.With.Message.Contains("power of two"));
        // A TBPF-rule profile told to read callx's register from imm still refuses a register that does not exist.
        var imm = Profile.Tbpf with { CallxRegister = CallxRegisterField.Imm };
        Assert.That(Reject(Concat(Slot(0x8d, imm: 12), Exit), imm).Kind, Is.EqualTo(VerifierErrorKind.InvalidRegister));
    }

    [Test]
    public void Jmp32_is_v3_and_later()
    {
        var jeq32 = Concat(Slot(0x16, dst: 1, offset: 0, imm: 1), Exit);
        Assert.That(Reject(jeq32, Profile.SbpfV0).Kind, Is.EqualTo(VerifierErrorKind.UnknownOpcode));
        Accept(jeq32, Profile.SbpfV3);
        Accept(jeq32, Profile.SbpfV4);
    }

    [TestCase(0xd7, 16)]   // bswap16
    [TestCase(0xdb, 0)]    // atomic add64
    [TestCase(0x91, 0)]    // ldxsb
    [TestCase(0x06, 0)]    // ja32 / gotol
    public void Instructions_sbpf_does_not_know_are_unknown_opcodes(int opcode, int imm)
    {
        foreach (var profile in new[] { Profile.SbpfV0, Profile.SbpfV3 })
        {
            var error = Reject(Concat(Slot((byte)opcode, dst: 1, imm: imm), Exit), profile);
            Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.UnknownOpcode, 0L)), profile.Name);
        }
    }

    [Test]
    public void A_jump_to_a_slot_with_opcode_zero_is_a_jump_into_an_lddw()
    {
        var code = Concat(Slot(0x05, offset: 1), Slot(0x18, dst: 1), Slot(0x00), Exit);
        var error = Reject(code, Profile.SbpfV0);
        Assert.That((error.Kind, error.Pc), Is.EqualTo((VerifierErrorKind.JumpIntoLddw, 0L)));
    }

    [Test]
    public void Immediates_sbpf_checks()
    {
        Assert.That(Reject(Concat(Slot(0x37, dst: 1, imm: 0), Exit), Profile.SbpfV0).Kind, Is.EqualTo(VerifierErrorKind.DivisionByZeroImmediate));
        Assert.That(Reject(Concat(Slot(0x64, dst: 1, imm: 32), Exit), Profile.SbpfV0).Kind, Is.EqualTo(VerifierErrorKind.ShiftOutOfRange));
        Assert.That(Reject(Concat(Slot(0xdc, dst: 1, imm: 8), Exit), Profile.SbpfV3).Kind, Is.EqualTo(VerifierErrorKind.InvalidByteSwapWidth));
        Assert.That(Reject(Concat(Exit, Slot(0x18, dst: 1)), Profile.SbpfV3).Kind, Is.EqualTo(VerifierErrorKind.IncompleteLddw));
    }
}
