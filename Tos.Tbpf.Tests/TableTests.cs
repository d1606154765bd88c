using NUnit.Framework;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>
/// TBPF's own <c>.data</c> tables (Tables/): compute-unit boundaries, every error kind, memory edges, call frames.
/// Every expectation was derived by hand from DESIGN §3–5, and each file says how in its comment.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class TableTests
{
    private const ulong DefaultBudget = 1_000_000;

    public static IEnumerable<TestCaseData> Cases() =>
        SharedData.DataFiles(SharedData.TablesFolder).Select(f => new TestCaseData(f).SetName(f.Name));

    [TestCaseSource(nameof(Cases))]
    public void Table_test_passes(DataFile test)
    {
        // The CLI's syscalls for the profile, so that a finding tbpf fuzz writes here runs as it is.
        var executable = Executable.FromAssembly(test.Asm!, test.Profile, Cli.StandardSyscalls.For(test.Profile));

        var result = AllEngines.Run(executable, test.Memory, test.Budget ?? DefaultBudget).Result;

        Assert.Multiple(() =>
        {
            if (test.Error is null)
            {
                Assert.That(result.Error, Is.Null, result.Describe());
                Assert.That(result.R0, Is.EqualTo(test.Result), "r0");
            }
            else
            {
                Assert.That(result.Error?.Kind.ToString(), Is.EqualTo(test.Error), result.Describe());
                Assert.That(result.Error?.Pc, Is.EqualTo(test.Pc), "error pc");
            }

            if (test.ComputeUnits is { } cu)
            {
                Assert.That(result.ComputeUnits, Is.EqualTo(cu), "compute units");
            }
        });
    }

    [Test]
    public void Every_runtime_error_kind_except_syscall_errors_has_a_table_test()
    {
        var covered = SharedData.DataFiles(SharedData.TablesFolder).Select(f => f.Error).OfType<string>().ToHashSet();
        var expected = Enum.GetNames<Tos.Tbpf.Execution.VmErrorKind>().Where(k => k != "SyscallError");
        Assert.That(covered, Is.SupersetOf(expected));
    }
}
