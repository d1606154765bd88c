using NUnit.Framework;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>The 313 conformance tests driven through <c>tbpf conformance-plugin</c> exactly as the public runner does:
/// program as hex on stdin, memory as hex in the first argument, r0 in hex on stdout.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ConformancePluginTests
{
    public static IEnumerable<TestCaseData> Cases() =>
        from engine in new[] { "--interpreter", "--jit" }
        from test in SharedData.DataFiles(SharedData.ConformanceFolder)
        select new TestCaseData(test, engine).SetName($"{test.Name} {engine}");

    [TestCaseSource(nameof(Cases))]
    public void Plugin_passes(DataFile test, string engine)
    {
        var program = test.Raw ?? Assembler.AssembleBytes(test.Asm!);
        var memory = string.Join(' ', test.Memory.Select(b => b.ToString("x2")));
        var output = CliRunner.Run(string.Join(' ', program.Select(b => b.ToString("x2"))),
            ["conformance-plugin", .. test.Memory.Length > 0 ? new[] { memory } : [], engine]);

        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdErr);
        Assert.That(Convert.ToUInt64(output.StdOut.Trim(), 16), Is.EqualTo(test.Result));
    }

    [Test]
    public void Failing_program_prints_the_error_and_exits_1()
    {
        var program = Assembler.AssembleBytes("ldxb r0, [r0+0]\nexit");
        var output = CliRunner.Run(Convert.ToHexString(program), "conformance-plugin");
        Assert.That(output.ExitCode, Is.EqualTo(1));
        Assert.That(output.StdErr, Does.Contain("AccessViolation"));
    }
}
