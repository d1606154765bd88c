using System.Text;
using NUnit.Framework;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>
/// The sol_* syscalls under the sbpf profiles, on every engine. Costs follow Solana's default compute budget
/// (syscall base 100, log_64 100, log_pubkey 100, memory operations max(10, n / 250), return data n / 250 + 100), so each
/// expected cu below is the program's instructions plus those charges; log lines are Solana's own formats.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SolanaSyscallTests
{
    private static (RunOutcome Outcome, Invocation Host) Run(string asm, byte[]? input = null, ulong budget = 100_000, Profile? profile = null)
    {
        profile ??= Profile.SbpfV3;
        var executable = Executable.FromAssembly(asm, profile, SolanaSyscalls.Registry());
        return AllEngines.Run(executable, input ?? [], budget, new InMemoryContractState());
    }

    [TestCase("sbpfv0")]
    [TestCase("sbpfv3")]
    public void Sol_log_writes_a_program_log_line_and_costs_at_least_the_base(string profile)
    {
        var (outcome, host) = Run("mov64 r2, 5\nsyscall sol_log_\nexit", Encoding.UTF8.GetBytes("hello"), profile: Profile.ByName(profile));
        Assert.That(outcome.Result.Describe(), Is.EqualTo("Ok 0x0, cu 103"), "mov, call, exit and max(100, 5)");
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Program log: hello" }));
    }

    [Test]
    public void A_long_sol_log_costs_one_unit_per_byte()
    {
        var (outcome, _) = Run("mov64 r2, 300\nsyscall sol_log_\nexit", Enumerable.Repeat((byte)'x', 300).ToArray());
        Assert.That(outcome.Result.Describe(), Is.EqualTo("Ok 0x0, cu 303"));
    }

    [Test]
    public void Sol_log_of_invalid_utf8_is_a_syscall_error()
    {
        var (outcome, host) = Run("mov64 r2, 2\nsyscall sol_log_\nexit", [0xff, 0xfe]);
        Assert.That(outcome.Result.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
        Assert.That(outcome.Result.Error!.Message, Does.Contain("UTF-8"));
        Assert.That(host.Logs, Is.Empty);
    }

    [Test]
    public void A_bad_pointer_in_a_syscall_is_a_syscall_error_as_sbpf_wraps_it()
    {
        // sbpf turns every syscall failure, a refused translation included, into EbpfError::SyscallError.
        var (outcome, _) = Run("mov64 r1, 0\nmov64 r2, 4\nsyscall sol_log_\nexit");
        Assert.That(outcome.Result.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
        Assert.That(outcome.Result.Error!.Access?.Address, Is.EqualTo(0UL), "the refused access is kept");
        Assert.That(outcome.Result.Error.Pc, Is.EqualTo(2));
    }

    [Test]
    public void Sol_log_64_prints_five_registers_in_hex()
    {
        var (outcome, host) = Run("mov64 r1, 1\nmov64 r2, 2\nmov64 r3, 3\nmov64 r4, 4\nmov64 r5, 255\nsyscall sol_log_64_\nexit");
        Assert.That(outcome.Result.Describe(), Is.EqualTo("Ok 0x0, cu 107"));
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Program log: 0x1, 0x2, 0x3, 0x4, 0xff" }));
    }

    [Test]
    public void Sol_log_compute_units_reports_what_is_left_after_its_own_cost()
    {
        // 1000 - 1 (the call) - 100 (its cost) = 899.
        var (_, host) = Run("syscall sol_log_compute_units_\nexit", budget: 1000);
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Program consumption: 899 units remaining" }));
    }

    [Test]
    public void Sol_log_pubkey_prints_base58()
    {
        // The all-zero key is Solana's system program: 32 '1's.
        var (outcome, host) = Run("syscall sol_log_pubkey\nexit", new byte[32]);
        Assert.That(outcome.Result.Describe(), Is.EqualTo("Ok 0x0, cu 102"));
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Program log: " + new string('1', 32) }));
    }

    [TestCase("Hello World!", "2NEpo7TZRRrLZSi2U")]
    [TestCase("The quick brown fox jumps over the lazy dog.", "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z")]
    public void Base58_matches_the_published_test_vectors(string text, string expected) =>
        Assert.That(Base58.Encode(Encoding.ASCII.GetBytes(text)), Is.EqualTo(expected));

    [Test]
    public void Base58_keeps_leading_zero_bytes_as_ones() =>
        Assert.That(Base58.Encode(Convert.FromHexString("0000287fb4cd")), Is.EqualTo("11233QC4"));

    [Test]
    public void Memcpy_copies_and_refuses_overlap()
    {
        // input = "abcdefgh"; copy 4 bytes from offset 0 to offset 4, then read the 8 bytes back.
        var copy = Run("mov64 r6, r1\nmov64 r2, r1\nadd64 r1, 4\nmov64 r3, 4\nsyscall sol_memcpy_\nldxdw r0, [r6+0]\nexit",
            Encoding.ASCII.GetBytes("abcdefgh"));
        Assert.That(copy.Outcome.Result.R0, Is.EqualTo(BitConverter.ToUInt64(Encoding.ASCII.GetBytes("abcdabcd"))));
        Assert.That(copy.Outcome.Result.ComputeUnits, Is.EqualTo(7UL + 10), "memory operations cost at least 10");

        var overlap = Run("mov64 r2, r1\nadd64 r1, 2\nmov64 r3, 4\nsyscall sol_memcpy_\nexit", Encoding.ASCII.GetBytes("abcdefgh"));
        Assert.That(overlap.Outcome.Result.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
        Assert.That(overlap.Outcome.Result.Error!.Message, Does.Contain("overlapping"));
    }

    [Test]
    public void Memmove_handles_overlap()
    {
        var (outcome, _) = Run("mov64 r6, r1\nmov64 r2, r1\nadd64 r1, 2\nmov64 r3, 4\nsyscall sol_memmove_\nldxdw r0, [r6+0]\nexit",
            Encoding.ASCII.GetBytes("abcdefgh"));
        Assert.That(outcome.Result.R0, Is.EqualTo(BitConverter.ToUInt64(Encoding.ASCII.GetBytes("ababcdgh"))));
    }

    [Test]
    public void Memset_fills_and_a_large_one_costs_a_unit_per_250_bytes()
    {
        // 1000 bytes of the heap set to 0x41: max(10, 1000 / 250) = 10; 2500 bytes: 2500 / 250 = 10 too; 5000: 20.
        var small = Run("lddw r1, 0x300000000\nmov64 r2, 0x41\nmov64 r3, 5000\nsyscall sol_memset_\nlddw r1, 0x300000000\nldxb r0, [r1+4999]\nexit");
        Assert.That(small.Outcome.Result.Describe(), Is.EqualTo("Ok 0x41, cu 27"), "7 instructions + 5000 / 250");
    }

    [Test]
    public void Memcmp_writes_the_first_difference()
    {
        // "abc" vs "abd": 'c' - 'd' = -1, written as an i32 at r10-8 (aligned).
        var (outcome, _) = Run("mov64 r2, r1\nadd64 r2, 3\nmov64 r3, 3\nmov64 r4, r10\nsub64 r4, 8\nsyscall sol_memcmp_\nldxw r0, [r10-8]\nexit",
            Encoding.ASCII.GetBytes("abcabd"));
        Assert.That(outcome.Result.R0, Is.EqualTo(0xffff_ffffUL));
    }

    [Test]
    public void Memcmp_refuses_an_unaligned_result_pointer()
    {
        var (outcome, _) = Run("mov64 r2, r1\nmov64 r3, 1\nmov64 r4, r10\nsub64 r4, 7\nsyscall sol_memcmp_\nexit", [1]);
        Assert.That(outcome.Result.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
    }

    [Test]
    public void Alloc_bumps_through_the_heap_with_8_byte_alignment_and_returns_0_when_full()
    {
        // 10 bytes at the heap's start, the next 8 at 16 (10 rounded up), then 40 000 bytes do not fit the 32 KiB heap.
        const string asm = """
            mov64 r1, 10
            mov64 r2, 0
            syscall sol_alloc_free_
            mov64 r6, r0
            mov64 r1, 8
            mov64 r2, 0
            syscall sol_alloc_free_
            mov64 r7, r0
            mov64 r1, 40000
            mov64 r2, 0
            syscall sol_alloc_free_
            stxdw [r10-8], r6
            stxdw [r10-16], r7
            stxdw [r10-24], r0
            exit
            """;
        var (outcome, _) = Run(asm);
        var stack = outcome.Memory[Memory.MemoryMap.StackIndex]!.Data;
        Assert.That(BitConverter.ToUInt64(stack, 4096 - 8), Is.EqualTo(0x3_0000_0000UL));
        Assert.That(BitConverter.ToUInt64(stack, 4096 - 16), Is.EqualTo(0x3_0000_0010UL));
        Assert.That(BitConverter.ToUInt64(stack, 4096 - 24), Is.EqualTo(0UL));
    }

    [Test]
    public void Return_data_round_trips_and_get_returns_the_full_length()
    {
        // Set the 3 input bytes, then get at most 8 into the stack: r0 = 3, the bytes land, the program id (zero) too.
        const string asm = """
            mov64 r2, 3
            syscall sol_set_return_data
            mov64 r1, r10
            sub64 r1, 8
            mov64 r2, 8
            mov64 r3, r10
            sub64 r3, 48
            syscall sol_get_return_data
            ldxw r1, [r10-8]
            lsh64 r0, 32
            or64 r0, r1
            exit
            """;
        var (outcome, host) = Run(asm, [1, 2, 3]);
        Assert.That(outcome.Result.R0, Is.EqualTo(0x3_0003_0201UL));
        Assert.That(host.Solana.ReturnData, Is.EqualTo(new byte[] { 1, 2, 3 }));
        // set: 3 / 250 + 100; get: 100 + (3 + 32) / 250 = 100; 12 instructions.
        Assert.That(outcome.Result.ComputeUnits, Is.EqualTo(12UL + 100 + 100));
    }

    [TestCase(40, "Ok 0x32")]
    [TestCase(16, "SyscallError")]
    public void Get_return_data_refuses_an_output_over_the_program_id(int outputAfterId, string expected)
    {
        // Solana's overlap rule measures from the lower start: the output may begin 32 bytes or more after the id's
        // 32 bytes start (whatever its own length), not less. Set 50 bytes, then get them at id + outputAfterId.
        var asm = $"""
            mov64 r2, 50
            syscall sol_set_return_data
            mov64 r1, r10
            sub64 r1, {128 - outputAfterId}
            mov64 r2, 50
            mov64 r3, r10
            sub64 r3, 128
            syscall sol_get_return_data
            exit
            """;
        var (outcome, _) = Run(asm, new byte[50]);
        Assert.That(outcome.Result.Describe(), Does.StartWith(expected));
    }

    [Test]
    public void Return_data_above_1024_bytes_is_refused()
    {
        var (outcome, _) = Run("mov64 r2, 1025\nsyscall sol_set_return_data\nexit", new byte[1025]);
        Assert.That(outcome.Result.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
    }

    [Test]
    public void Panic_and_abort_end_the_run_with_a_syscall_error()
    {
        var panic = Run("mov64 r2, 4\nmov64 r3, 12\nmov64 r4, 5\nsyscall sol_panic_\nexit", Encoding.ASCII.GetBytes("lib.rs")).Outcome.Result;
        Assert.That(panic.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
        Assert.That(panic.Error!.Message, Does.Contain("lib. at 12:5"), "the file name is the first r2 bytes");
        Assert.That(Run("syscall abort\nexit").Outcome.Result.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
    }
}
