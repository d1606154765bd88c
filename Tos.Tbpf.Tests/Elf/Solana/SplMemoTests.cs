using System.Buffers.Binary;
using System.Text;
using NUnit.Framework;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Host;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Elf.Solana;

/// <summary>
/// Real programs from Solana's toolchain (Fixtures/Solana, see its NOTICE): the SPL Memo program, v1 and v3, loaded by
/// the V0 loader and run on every engine. The expectations come from the program's source: the memo is logged (v3) or
/// refused with InvalidInstructionData (0x3_0000_0000) when it is not UTF-8.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SplMemoTests
{
    private const ulong InvalidInstructionData = 3UL << 32;

    private static Executable Memo(string version) =>
        ElfLoader.Load(File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Solana", $"spl_memo-{version}.so")),
            Profile.SbpfV0, SolanaSyscalls.Registry());

    /// <summary>Solana's input for an instruction without accounts: the account count (0), the data's length and bytes,
    /// and the program id.</summary>
    private static byte[] Input(byte[] data)
    {
        var input = new byte[8 + 8 + data.Length + 32];
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(8), (ulong)data.Length);
        data.CopyTo(input, 16);
        return input;
    }

    [Test]
    public void Memo_v3_logs_a_utf8_memo_and_returns_success()
    {
        var (outcome, host) = AllEngines.Run(Memo("3.0.0"), Input(Encoding.UTF8.GetBytes("hello")), 200_000, new InMemoryContractState());
        Assert.That(outcome.Result.Error, Is.Null, outcome.Result.Describe());
        Assert.That(outcome.Result.R0, Is.Zero);
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Program log: Memo (len 5): \"hello\"" }));
    }

    [Test]
    public void Memo_v3_refuses_invalid_utf8()
    {
        var (outcome, host) = AllEngines.Run(Memo("3.0.0"), Input([0xff]), 200_000, new InMemoryContractState());
        Assert.That(outcome.Result.R0, Is.EqualTo(InvalidInstructionData));
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Program log: Invalid UTF-8, from byte 0" }));
    }

    [TestCase("hello", 0UL)]
    [TestCase("\u00e9t\u00e9", 0UL)]
    public void Memo_v1_accepts_utf8(string memo, ulong expected) =>
        Assert.That(AllEngines.Run(Memo("1.0.0"), Input(Encoding.UTF8.GetBytes(memo)), 200_000).Result.R0, Is.EqualTo(expected));

    [Test]
    public void Memo_v1_refuses_invalid_utf8() =>
        Assert.That(AllEngines.Run(Memo("1.0.0"), Input([0x61, 0xc3]), 200_000).Result.R0, Is.EqualTo(InvalidInstructionData));

    [Test]
    public void Every_engine_stops_alike_at_budgets_through_the_run()
    {
        // A real compiled program across its budget boundaries: every engine reports the same error, pc and units.
        var memo = Memo("3.0.0");
        var input = Input(Encoding.UTF8.GetBytes("budget sweep"));
        var full = AllEngines.Run(memo, input, 200_000).Result.ComputeUnits;
        for (ulong budget = 0; budget <= full; budget += 41)
        {
            Assert.That(AllEngines.Run(memo, input, budget).Result.ComputeUnits, Is.LessThanOrEqualTo(budget));
        }
    }
}
