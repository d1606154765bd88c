using NUnit.Framework;
using Tos.Tbpf.Tests.Elf;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Host;

/// <summary>The one-node devnet from the command line: deploy, invoke, state, across processes.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class DevnetCliTests
{
    private static string Object(string name) => Path.Combine(Contracts.OutFolder, "v3-O2", name + ".o");

    [Test]
    public void Deploy_invoke_and_state_persist_across_processes()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var deploy = CliRunner.Run(null, "deploy", Object("counter"), "--state", folder);
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.StdErr);
        var hash = deploy.StdOut.Trim();
        Assert.That(hash, Does.Match("^[0-9a-f]{64}$"));

        var first = CliRunner.Run(null, "invoke", hash, "--input-hex", "05", "--state", folder);
        Assert.That(first.StdOut, Does.Contain("log: count = 5").And.Contain("committed"));
        var second = CliRunner.Run(null, "invoke", hash, "--input-hex", "02", "--state", folder, "--engine", "interpreter", "--json");
        Assert.That(second.StdOut, Does.StartWith("{\"committed\":true,\"exitCode\":0,").And.Contain("\"logs\":[\"count = 7\"]"));

        var state = CliRunner.Run(null, "state", hash, "--state", folder);
        Assert.That(state.StdOut, Does.Contain("storage count = 0700000000000000"));
    }

    [Test]
    public void A_failed_invocation_leaves_the_state_unchanged()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var hash = CliRunner.Run(null, "deploy", Object("counter"), "--state", folder).StdOut.Trim();
        CliRunner.Run(null, "invoke", hash, "--input-hex", "05", "--state", folder);
        var before = CliRunner.Run(null, "state", hash, "--state", folder).StdOut;

        var failed = CliRunner.Run(null, "invoke", hash, "--input-hex", "05", "--budget", "50", "--state", folder);

        Assert.That(failed.ExitCode, Is.EqualTo(1));
        Assert.That(failed.StdOut, Does.Contain("ComputeBudgetExceeded").And.Contain("nothing committed"));
        Assert.That(CliRunner.Run(null, "state", hash, "--state", folder).StdOut, Is.EqualTo(before));
    }

    [Test]
    public void Unknown_contracts_and_bad_hashes_are_usage_errors()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        Assert.That(CliRunner.Run(null, "invoke", new string('a', 64), "--state", folder).ExitCode, Is.EqualTo(2));
        var bad = CliRunner.Run(null, "state", "xyz", "--state", folder);
        Assert.That((bad.ExitCode, bad.StdErr.Contains("not a 64-digit hex hash", StringComparison.Ordinal)), Is.EqualTo((2, true)));
    }
}
