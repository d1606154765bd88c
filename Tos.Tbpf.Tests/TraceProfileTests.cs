using System.Text.RegularExpressions;
using NUnit.Framework;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary><c>tbpf trace</c> and <c>tbpf profile</c>: every executed instruction, and every compute unit accounted for.</summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class TraceProfileTests
{
    private static string Sample(string name) => Path.Combine(SharedData.RepositoryRoot, "samples", name);

    private static string Object(string folder, string name) => Path.Combine(SharedData.RepositoryRoot, "native-contracts", "out", folder, name + ".o");

    private static List<long> TracedPcs(string stdout) =>
        stdout.Split('\n').Select(l => TraceLine().Match(l)).Where(m => m.Success).Select(m => long.Parse(m.Groups[1].Value)).ToList();

    [Test]
    public void Trace_prints_every_executed_instruction_in_order()
    {
        var output = CliRunner.Run(null, "trace", Sample("fibonacci.asm"));
        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdErr);
        // fibonacci.asm: three set-up instructions, the loop body (pcs 3–7) 90 times, then exit at pc 8.
        var expected = new List<long> { 0, 1, 2 };
        for (var i = 0; i < 90; i++)
        {
            expected.AddRange([3, 4, 5, 6, 7]);
        }

        expected.Add(8);
        Assert.That(TracedPcs(output.StdOut), Is.EqualTo(expected));
        Assert.That(output.StdOut, Does.Contain("mov64 r2, 90").And.Contain("r2 = 0x5a"), "the register an instruction changed");
        Assert.That(output.StdOut, Does.Contain("r0 = 0x27f80ddaa1ba7878").And.Contain("compute units: 454"));
    }

    [Test]
    public void Trace_output_is_bounded_by_the_limit_and_the_run_still_completes()
    {
        var output = CliRunner.Run(null, "trace", Sample("fibonacci.asm"), "--limit", "12");
        Assert.That(TracedPcs(output.StdOut), Has.Count.EqualTo(12));
        Assert.That(output.StdOut, Does.Contain("… 442 more instructions not shown (--limit 12)").And.Contain("compute units: 454"));
    }

    [Test]
    public void Trace_names_the_source_line_of_each_instruction_and_of_the_error()
    {
        var source = Path.Combine(SharedData.RepositoryRoot, "native-contracts", "debug", "average.c");
        var line = Array.FindIndex(File.ReadAllLines(source), l => l.Contains("return sum / count;")) + 1;
        var output = CliRunner.Run(null, "trace", Object("debug", "average"));
        Assert.That(output.ExitCode, Is.EqualTo(1));
        Assert.That(output.StdOut, Does.Match($@"\n\s+\d+  debug/average\.c:{line}\s+ldxdw"));
        Assert.That(output.StdOut, Does.Contain($"error: DivideByZero at pc ").And.Contain($" in debug/average.c:{line} (average)"));
    }

    [Test]
    public void Profile_accounts_for_every_unit_by_function_line_and_stack()
    {
        var program = Object("debug", "average");
        var run = CliRunner.Run(null, "run", program, "--input-hex", "0102030405", "--engine", "interpreter", "--json");
        var total = long.Parse(Regex.Match(run.StdOut, "\"cu\":(\\d+)").Groups[1].Value);
        var stacks = Path.Combine(Path.GetTempPath(), $"tbpf-stacks-{Guid.NewGuid():N}.txt");
        var output = CliRunner.Run(null, "profile", program, "--input-hex", "0102030405", "--collapsed", stacks);
        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdErr);
        var functions = Rows(output.StdOut, "function");
        Assert.That(functions.Keys, Is.EquivalentTo(new[] { "average", "entrypoint" }));
        Assert.That(functions.Values.Sum(), Is.EqualTo(total), "every unit is charged to a function");
        Assert.That(Rows(output.StdOut, "source line").Values.Sum(), Is.EqualTo(total), "and to a line");
        var folded = File.ReadAllLines(stacks).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1]));
        Assert.That(folded.Keys, Is.EquivalentTo(new[] { "entrypoint", "entrypoint;average" }));
        Assert.That(folded["entrypoint;average"], Is.EqualTo(functions["average"]));
        Assert.That(folded.Values.Sum(), Is.EqualTo(total));
    }

    [Test]
    public void Trace_and_profile_run_a_deployed_contract_without_committing()
    {
        var state = Directory.CreateTempSubdirectory("tbpf-devnet-").FullName;
        var deploy = CliRunner.Run(null, "deploy", Object("v3-O2", "counter"), "--state", state);
        var hash = Regex.Match(deploy.StdOut, "[0-9a-f]{64}").Value;
        var before = CliRunner.Run(null, "state", "--state", state, "--json").StdOut;
        var trace = CliRunner.Run(null, "trace", hash, "--state", state, "--input-hex", "05");
        Assert.That(trace.ExitCode, Is.EqualTo(0), trace.StdErr);
        Assert.That(trace.StdOut, Does.Contain("log: count = 5").And.Contain("r0 = 0x0"));
        var profile = CliRunner.Run(null, "profile", hash, "--state", state, "--input-hex", "05");
        Assert.That(profile.StdOut, Does.Contain("entrypoint"));
        Assert.That(CliRunner.Run(null, "state", "--state", state, "--json").StdOut, Is.EqualTo(before), "nothing committed");
    }

    [Test]
    public void A_new_project_builds_with_its_script_and_runs_on_both_engines()
    {
        var parent = Directory.CreateTempSubdirectory("tbpf-new-").FullName;
        var folder = Path.Combine(parent, "ballot");
        var created = CliRunner.Run(null, "new", "ballot", "--into", folder);
        Assert.That(created.ExitCode, Is.EqualTo(0), created.StdErr);
        Assert.That(File.ReadAllText(Path.Combine(folder, "include", "tos", "tos.h")),
            Is.EqualTo(File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "native-contracts", "include", "tos", "tos.h"))));
        using (var build = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Path.Combine(folder, "build.sh"))
                   { RedirectStandardError = true, RedirectStandardOutput = true })!)
        {
            var errors = build.StandardError.ReadToEnd();
            build.WaitForExit();
            Assert.That(build.ExitCode, Is.EqualTo(0), errors);
        }

        var run = CliRunner.Run(null, "run", Path.Combine(folder, "ballot.o"), "--input-hex", "05", "--engine", "both");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.StdOut + run.StdErr);
        Assert.That(run.StdOut, Does.Contain("log: count = 5").And.Contain("interpreter and jit agree"));
        Assert.That(CliRunner.Run(null, "new", "ballot", "--into", folder).ExitCode, Is.EqualTo(2), "an existing project is never overwritten");
        Assert.That(CliRunner.Run(null, "new", "../escape").ExitCode, Is.EqualTo(2), "a name is a name, not a path");
    }

    private static Dictionary<string, long> Rows(string output, string header)
    {
        var rows = new Dictionary<string, long>();
        var inTable = false;
        foreach (var line in output.Split('\n'))
        {
            var cells = line.Split('│').Select(c => c.Trim()).ToArray();
            if (cells.Length == 5 && cells[1] == header)
            {
                inTable = true;
                continue;
            }

            if (inTable && cells.Length == 5)
            {
                rows[cells[1]] = long.Parse(cells[2]);
            }
            else if (inTable && line.StartsWith('╰'))
            {
                break;
            }
        }

        return rows;
    }

    [GeneratedRegex(@"^\s*(\d+)  ")]
    private static partial Regex TraceLine();
}
