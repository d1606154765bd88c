using System.Text.Json;
using NUnit.Framework;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary><c>tbpf bench</c> and the main job's <c>tbpf report</c>: what they print, on every program format.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class BenchCliTests
{
    private const string ThreeInstructions = "mov r0, 40\nadd r0, 2\nexit";

    private static string WriteTemp(string name, byte[] content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tbpf-test-{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, content);
        return path;
    }

    private static string Contract(string name) => Path.Combine(SharedData.RepositoryRoot, "native-contracts", "out", "v3-O2", name + ".o");

    private static List<JsonElement> JsonLines(CliRunner.Output output)
    {
        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdErr + output.StdOut);
        return output.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static void AssertConsistent(JsonElement line, string engine, long instructions)
    {
        Assert.That(line.GetProperty("engine").GetString(), Is.EqualTo(engine));
        Assert.That(line.GetProperty("instructions").GetInt64(), Is.EqualTo(instructions));
        Assert.That(line.GetProperty("loadUs").GetDouble(), Is.GreaterThan(0));
        var run = line.GetProperty("runUs");
        var (min, median, max) = (run.GetProperty("min").GetDouble(), run.GetProperty("median").GetDouble(), run.GetProperty("max").GetDouble());
        Assert.That(min, Is.LessThanOrEqualTo(median));
        Assert.That(median, Is.LessThanOrEqualTo(max));
        // The rate is the instruction count over the median run (both rounded in the output).
        Assert.That(line.GetProperty("insnPerSec").GetDouble(), Is.EqualTo(instructions / (median / 1e6)).Within(2).Percent);
        Assert.That(line.GetProperty("compileUs").ValueKind, engine == "interpreter" ? Is.EqualTo(JsonValueKind.Null) : Is.EqualTo(JsonValueKind.Number));
    }

    [Test]
    public void Bench_measures_an_assembler_program_on_both_engines()
    {
        var lines = JsonLines(CliRunner.Run(null, "bench", WriteTemp("p.s", System.Text.Encoding.ASCII.GetBytes(ThreeInstructions)),
            "--json", "--runs", "5", "--warmup", "1"));
        Assert.That(lines, Has.Count.EqualTo(2));
        AssertConsistent(lines[0], "interpreter", 3);
        AssertConsistent(lines[1], "jit", 3);
        Assert.That(lines.Select(l => l.GetProperty("outcome").GetString()), Is.All.EqualTo("r0 = 0x2a"));
    }

    [Test]
    public void Bench_measures_raw_bytecode()
    {
        var raw = Tos.Tbpf.Assembly.Assembler.AssembleBytes(ThreeInstructions);
        var lines = JsonLines(CliRunner.Run(null, "bench", WriteTemp("p.bin", raw), "--json", "--engine", "interpreter", "--runs", "3"));
        Assert.That(lines, Has.Count.EqualTo(1));
        AssertConsistent(lines[0], "interpreter", 3);
    }

    [Test]
    public void Bench_measures_an_elf_contract_with_the_units_run_reports()
    {
        var run = JsonLines(CliRunner.Run(null, "run", Contract("sha256"), "--input-hex", "616263", "--json"))[0];
        var lines = JsonLines(CliRunner.Run(null, "bench", Contract("sha256"), "--input-hex", "616263", "--json", "--runs", "3"));
        AssertConsistent(lines[0], "interpreter", run.GetProperty("cu").GetInt64());
        AssertConsistent(lines[1], "jit", run.GetProperty("cu").GetInt64());
    }

    [Test]
    public void Bench_without_metering_still_counts_with_the_interpreter()
    {
        var lines = JsonLines(CliRunner.Run(null, "bench", WriteTemp("p.s", System.Text.Encoding.ASCII.GetBytes(ThreeInstructions)),
            "--json", "--engine", "jit", "--no-metering", "--no-hardening", "--runs", "3"));
        Assert.That(lines, Has.Count.EqualTo(1));
        AssertConsistent(lines[0], "jit no-metering no-hardening", 3);
    }

    [Test]
    public void Bench_reports_a_runtime_error_as_the_outcome()
    {
        var lines = JsonLines(CliRunner.Run(null, "bench", WriteTemp("p.s", "ja -1\nexit"u8.ToArray()), "--json", "--budget", "100", "--runs", "3"));
        Assert.That(lines.Select(l => l.GetProperty("outcome").GetString()), Is.All.EqualTo("ComputeBudgetExceeded at pc 0"));
        Assert.That(lines.Select(l => l.GetProperty("instructions").GetInt64()), Is.All.EqualTo(100));
    }

    [TestCase("--runs", "0")]
    [TestCase("--warmup", "-1")]
    [TestCase("--runs", "2000000")]
    public void Bench_refuses_bad_counts_with_a_usage_error(string option, string value)
    {
        var output = CliRunner.Run(null, "bench", WriteTemp("p.s", System.Text.Encoding.ASCII.GetBytes(ThreeInstructions)), "--json", option, value);
        Assert.That(output.ExitCode, Is.EqualTo(2));
        Assert.That(output.StdOut, Does.StartWith("{\"ok\":false,\"error\":\"UsageError\""));
    }

    [Test]
    public void Bench_text_output_names_each_phase()
    {
        var output = CliRunner.Run(null, "bench", WriteTemp("p.s", System.Text.Encoding.ASCII.GetBytes(ThreeInstructions)), "--runs", "3");
        Assert.That(output.ExitCode, Is.EqualTo(0));
        Assert.That(output.StdOut, Does.Contain("load + verify").And.Contain("interpreter: r0 = 0x2a").And.Contain("jit: r0 = 0x2a, compile ")
            .And.Contain("M instructions/s"));
    }

    [Test]
    public void Report_shows_every_sample_on_both_engines_side_by_side()
    {
        var samples = Path.Combine(SharedData.RepositoryRoot, "samples");
        var output = CliRunner.Run(null, "report", samples);
        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdOut + output.StdErr);
        Assert.That(output.StdOut, Does.Contain("interpreter µs").And.Contain("jit µs").And.Contain("speed-up").And.Contain("jit compile µs"));
        foreach (var sample in Directory.GetFiles(samples).Where(f => f.EndsWith(".asm", StringComparison.Ordinal) || f.EndsWith(".sample", StringComparison.Ordinal)))
        {
            var row = output.StdOut.Split('\n').Single(l => l.Contains(Path.GetFileName(sample) + " ", StringComparison.Ordinal));
            Assert.That(row, Does.Contain("│ yes "), Path.GetFileName(sample));
        }

        // fib(90) = 2880067194370816120 in 454 units (3 set-up instructions, 90 loop trips of 5, the exit) on each engine.
        var cells = output.StdOut.Split('\n').Single(l => l.Contains("fibonacci.asm")).Split('│').Select(c => c.Trim()).ToArray();
        Assert.That(cells[2..4], Is.All.EqualTo("0x27f80ddaa1ba7878 · 454 CU"));
    }

    [Test]
    public void Report_on_a_folder_without_samples_is_a_usage_error()
    {
        var empty = Directory.CreateTempSubdirectory("tbpf-empty-");
        var output = CliRunner.Run(null, "report", empty.FullName);
        Assert.That(output.ExitCode, Is.EqualTo(2));
        Assert.That(output.StdErr, Does.Contain("no .asm or .sample files"));
    }
}
