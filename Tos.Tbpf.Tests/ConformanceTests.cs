using NUnit.Framework;
using Tos.Tbpf.Cli;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>Every public bpf_conformance test, under the RFC 9669 profile, on every engine.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ConformanceTests
{
    public static IEnumerable<TestCaseData> Cases() =>
        SharedData.DataFiles(SharedData.ConformanceFolder).Select(f => new TestCaseData(f).SetName(f.Name));

    [TestCaseSource(nameof(Cases))]
    public void Conformance_test_passes(DataFile test)
    {
        var profile = Profile.Rfc9669;
        var syscalls = StandardSyscalls.For(profile);
        var executable = test.Asm is not null
            ? Executable.FromAssembly(test.Asm, profile, syscalls)
            : Executable.FromBytecode(test.Raw!, profile, syscalls);

        var outcome = AllEngines.Run(executable, test.Memory, budget: 1_000_000);

        Assert.That(outcome.Result.Error, Is.Null, outcome.Result.Describe());
        Assert.That(outcome.Result.R0, Is.EqualTo(test.Result), $"r0 of {test.Name}");
    }

    [Test]
    public void The_suite_is_complete()
    {
        Assert.That(Cases().Count(), Is.EqualTo(313), "the shared conformance suite should hold 313 tests");
    }
}
