using NUnit.Framework;
using Tos.Tbpf.Bench;
using Tos.Tbpf.Bench.Native;
using Tos.Tbpf.Bench.Report;

namespace Tos.Tbpf.Tests.Bench;

/// <summary>The benchmark report: its fixtures check what they time, its figures are computed right, its files exist.</summary>
public sealed class BenchReportTests
{
    private static readonly MachineInfo Machine = new("Test CPU", 2, "Test OS", ".NET test", "abc1234", "2026-11-25 00:00 UTC", "gcc (test) 1.0");

    [Test]
    public void Native_workloads_compute_the_bench_readme_results()
    {
        // The C versions must do exactly the eBPF programs' work: the README's r0 for each.
        foreach (var workload in Workload.All)
        {
            Assert.That(NativeWorkloads.Instance.Run(workload.Name), Is.EqualTo(workload.ExpectedR0), workload.Name);
        }

        Assert.That(NativeWorkloads.CompilerVersion, Does.StartWith("gcc"));
    }

    [Test]
    public void Every_compile_mix_verifies_and_compiles_within_the_code_bound([ValueSource(typeof(CompileMix), nameof(CompileMix.Names))] string mix)
    {
        // The compile benchmarks time these: each must pass the verifier and compile within the code bound (here at 1 k slots).
        var program = CompileMix.Build(mix, 1_000);
        Assert.That(program.Executable.Code, Has.Length.EqualTo(1_000));
        Assert.That(program.Executable.Code[^1].Op, Is.EqualTo(Isa.Op.Exit));
        Assert.That(CompileMix.Compile(program), Is.GreaterThan(1_000).And.LessThan(1_000 * Tos.Tbpf.Jit.Compiler.X64Compiler.MaxBytesPerInstruction));
    }

    [Test]
    public void Every_execution_fixture_passes_its_check_on_every_engine_variant()
    {
        // Construction runs the workload once and checks r0, the exact units and (contracts) the logged output.
        foreach (var workload in ExecutionFixture.WorkloadNames)
        {
            foreach (var variant in EngineVariant.All)
            {
                var fixture = new ExecutionFixture(workload, variant);
                Assert.That(fixture.Run(), Is.EqualTo(fixture.ExpectedR0), $"{workload} on {variant}");
            }
        }

        Assert.That(new ExecutionFixture("alu64_loop", EngineVariant.Jit).Instructions, Is.EqualTo(100_000_005));
    }

    [Test]
    public void Contract_workloads_expect_independently_computed_output()
    {
        var sha = ContractWorkload.Named("sha256_1k");
        Assert.That(sha.Input, Has.Length.EqualTo(1024));
        Assert.That(sha.ExpectedLog, Is.EqualTo(System.Security.Cryptography.SHA256.HashData(sha.Input)));
        var sort = ContractWorkload.Named("sort_256");
        var values = Enumerable.Range(0, 256).Select(i => BitConverter.ToUInt32(sort.ExpectedLog, i * 4)).ToArray();
        Assert.That(values, Is.Ordered);
        Assert.That(values.Distinct().Count(), Is.GreaterThan(250), "a well-mixed input, not a trivial one");
    }

    [Test]
    public void A_token_transfer_through_the_host_commits_on_each_engine()
    {
        foreach (var engine in new[] { EngineKind.Interpreter, EngineKind.Jit })
        {
            var transfer = new TokenTransferFixture(engine);
            Assert.That(transfer.Run(), Is.EqualTo(transfer.ComputeUnits).And.GreaterThan(0));
        }
    }

    [TestCase(new[] { 3.0 }, 3.0)]
    [TestCase(new[] { 5.0, 1.0, 3.0 }, 3.0)]
    [TestCase(new[] { 4.0, 1.0, 2.0, 3.0 }, 2.5)]
    public void Median_is_the_middle_sample(double[] samples, double median) =>
        Assert.That(Sampler.Median(samples), Is.EqualTo(median));

    [Test]
    public void A_paired_ratio_is_the_median_of_the_rounds_ratios()
    {
        // Rounds 2 and 3 ran in a slow stretch for both: the rounds' ratios are 1.1, 1.1, 1.1, 1.5 (median 1.1), where the
        // medians' ratio is 4.4 / 2.2 = 2.
        double[] variant = [1.1, 4.4, 8.8, 1.5], baseline = [1.0, 4.0, 8.0, 1.0];
        Assert.That(Sampler.PairedRatio(variant, baseline), Is.EqualTo(1.1).Within(1e-9));
        Assert.That(() => Sampler.PairedRatio(variant, baseline[..3]), Throws.ArgumentException);
    }

    [Test]
    public void Costs_read_the_paired_ratio_when_the_run_has_one()
    {
        var results = Sample();
        var paired = new BenchResults
        {
            Machine = results.Machine, Mode = results.Mode, Execution = results.Execution, NativeSeconds = results.NativeSeconds,
            PairedRatios = { [BenchResults.PairKey("alu64_loop", EngineVariant.JitUnhardened, EngineVariant.JitPlain)] = 1.02 },
        };
        Assert.That(ReportBuilder.MeteringCost(paired, "alu64_loop"), Is.EqualTo(0.02).Within(1e-9));
        // No paired ratio for hardening: the medians' ratio, as from BenchmarkDotNet.
        Assert.That(ReportBuilder.HardeningCost(paired, "alu64_loop"), Is.EqualTo(0.1 / 0.084 - 1).Within(1e-9));
    }

    [Test]
    public void Figures_and_target_marks_follow_from_the_measurements()
    {
        var results = Sample();
        // alu64_loop: 100 000 005 instructions in 1 s on the interpreter, 0.1 s on the JIT; native 0.05 s.
        Assert.That(ReportBuilder.Speedup(results, "alu64_loop"), Is.EqualTo(10).Within(1e-9));
        Assert.That(ReportBuilder.NativeMultiple(results, "alu64_loop", EngineVariant.Jit), Is.EqualTo(2).Within(1e-9));
        // Metering: no-hardening 0.084 s vs plain 0.08 s = +5%; hardening: default 0.1 s vs no-hardening 0.084 s = +19.05%.
        Assert.That(ReportBuilder.MeteringCost(results, "alu64_loop"), Is.EqualTo(0.05).Within(1e-9));
        Assert.That(ReportBuilder.HardeningCost(results, "alu64_loop"), Is.EqualTo(0.1 / 0.084 - 1).Within(1e-9));
        Assert.That(ReportBuilder.Cost(results, "alu64_loop", EngineVariant.Jit), Is.EqualTo(0.25).Within(1e-9));
        Assert.That(ReportBuilder.Met([100e6, 50e6], r => r >= ReportBuilder.InterpreterTarget), Is.EqualTo("yes"));
        Assert.That(ReportBuilder.Met([100e6, 49e6], r => r >= ReportBuilder.InterpreterTarget), Is.EqualTo("**no**"));
        Assert.That(ReportBuilder.Met([100e6, null], r => r >= ReportBuilder.InterpreterTarget), Is.EqualTo("**no**"), "unmeasured is not met");

        var markdown = ReportBuilder.Build(results, "", charts: false).ToMarkdown();
        Assert.That(markdown, Does.Contain("| interpreter 50–100 M instr/s | 100–100 M/s | yes |"));
        Assert.That(markdown, Does.Contain("| JIT 0.5–1 G instr/s | 1000–1000 M/s | yes |"));
        Assert.That(markdown, Does.Contain("| metering ~5% | +5.0% to +5.0% | yes |"));
        Assert.That(markdown, Does.Contain("| alu64_loop | 50.00 | 20.00× | 2.00× |"), "native ms, then interpreter and JIT multiples");
        Assert.That(markdown, Does.Contain("Test CPU").And.Contain("abc1234"));
    }

    [Test]
    public void Block_rows_compare_throughput_so_independent_hosts_running_more_transactions_compare_fairly()
    {
        var results = Sample();
        // One host: 1 000 transactions in 2 ms. Two hosts at once: 2 000 transactions in 2.5 ms, which is 1.25 ms per
        // 1 000 and 800 000 per second, 1.6× the one host's 500 000.
        results.Blocks.Add(new BlockRow(BlockBenchmarks.Independent, 1, 1000, 2e-3));
        results.Blocks.Add(new BlockRow(BlockBenchmarks.Independent, 2, 2000, 2.5e-3));
        Assert.That(BlockBenchmarks.TransactionsPer(BlockBenchmarks.Independent, 2), Is.EqualTo(2 * BlockBenchmarks.Transactions));
        Assert.That(BlockBenchmarks.TransactionsPer("disjoint-transfers", 2), Is.EqualTo(BlockBenchmarks.Transactions));

        var markdown = ReportBuilder.Build(results, "", charts: false).ToMarkdown();
        Assert.That(markdown, Does.Contain("| independent-hosts | 2 | 1.25 | 800000 | 1.60× |"));
        Assert.That(markdown, Does.Contain("| one-counter | 2 | 1.10 | 909091 | 0.91× |"));
    }

    [Test]
    public void Compile_tables_give_each_program_its_figures_and_name_the_worst_against_the_bounds()
    {
        var results = Sample();
        // 131 072 slots in 6.5536 ms is 20 M instructions/s (0.05 µs each); in 52.4288 ms, 2.5 M/s.
        results.CompileMixes.Add(new CompileProgramRow("mixed", 131_072, 6.5536e-3, 1024 * 1024, 2 * 1024 * 1024));
        results.CompileMixes.Add(new CompileProgramRow("callx", 131_072, 52.4288e-3, 4 * 1024 * 1024, 27 * 1024 * 1024));
        results.CompileMixes.Add(new CompileProgramRow("memory", 131_072, 13.1072e-3, 8 * 1024 * 1024, 7 * 1024 * 1024));

        var markdown = ReportBuilder.Build(results, "", charts: false).ToMarkdown();
        Assert.That(markdown, Does.Contain("| mixed | 6.6 | 0.050 | 20.0 | 1.0 MiB | 2.0 MiB |"));
        Assert.That(markdown, Does.Contain("| callx | 52.4 | 0.400 | 2.5 | 4.0 MiB | 27.0 MiB |"));
        Assert.That(markdown, Does.Contain("Worst compile: callx, 52.4 ms (bound 100 ms); most allocated: memory, 8.0 MiB (bound 64.0 MiB)."));
        Assert.That(markdown, Does.Contain("At or above 20 M instr/s: mixed."));
        Assert.That(markdown, Does.Not.Contain("JIT compile of the shared workloads"), "no workload compiles measured");

        results.CompileWorkloads.Add(new CompileProgramRow("collatz", 21, 9.5e-6, 2048, 1024));
        results.CompileWorkloads.Add(new CompileProgramRow("sieve_stack", 30, 14.25e-6, 3072, 1536));
        markdown = ReportBuilder.Build(results, "", charts: false).ToMarkdown();
        Assert.That(markdown, Does.Contain("| sieve_stack | 30 | 14.3 | 3.0 KiB | 1.5 KiB |"));
        Assert.That(markdown, Does.Contain("Slowest: sieve_stack, 14.3 µs (bound 15 µs each)."));
    }

    [Test]
    public void A_failed_check_is_named_and_fails_the_target()
    {
        var results = Sample();
        results.Failures.Add("sort_256 on jit: got r0 0x1");
        var markdown = ReportBuilder.Build(results, "", charts: false).ToMarkdown();
        Assert.That(markdown, Does.Contain("**Failed checks**").And.Contain("sort_256 on jit: got r0 0x1"));
        Assert.That(markdown, Does.Contain("| every result check passes | 1 failed | **no** |"));
    }

    [Test]
    public void Writing_the_report_makes_markdown_html_json_and_every_chart()
    {
        var folder = Directory.CreateTempSubdirectory("tbpf-report-").FullName;
        ReportBuilder.Write(Sample(), folder);
        foreach (var file in new[] { "report.md", "report.html", "report.json", "summary.md" })
        {
            Assert.That(File.Exists(Path.Combine(folder, file)), file);
        }

        var markdown = File.ReadAllText(Path.Combine(folder, "report.md"));
        var html = File.ReadAllText(Path.Combine(folder, "report.html"));
        var charts = System.Text.RegularExpressions.Regex.Matches(markdown, @"!\[[^\]]*\]\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.That(charts, Has.Count.EqualTo(7));
        foreach (var chart in charts)
        {
            var png = File.ReadAllBytes(Path.Combine(folder, chart));
            Assert.That(png[..8], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a }), chart);
            // IHDR: width and height, big-endian, at bytes 16 and 20.
            Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), Is.EqualTo(1000), chart);
            Assert.That(html, Does.Contain($"<img src=\"{chart}\""), chart);
        }

        // The two renderings carry the same tables: one HTML row per Markdown row.
        Assert.That(System.Text.RegularExpressions.Regex.Matches(html, "<tr>").Count,
            Is.EqualTo(markdown.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal))));
        Assert.That(File.ReadAllText(Path.Combine(folder, "summary.md")), Does.Contain("](docs/bench/throughput.png)"));
    }

    private static BenchResults Sample()
    {
        var results = new BenchResults { Machine = Machine, Mode = "quick" };
        foreach (var workload in Workload.All)
        {
            // Every canonical workload at 100 M/s interpreted, 1 G/s JIT, plain JIT 1.25 G/s.
            var i = workload.Instructions;
            results.Execution.Add(new ExecutionRow(workload.Name, EngineVariant.Interpreter, i, i / 100e6));
            results.Execution.Add(new ExecutionRow(workload.Name, EngineVariant.Jit, i, i / 1e9));
            results.Execution.Add(new ExecutionRow(workload.Name, EngineVariant.JitUnmetered, i, i / 1e9 * 0.88));
            results.Execution.Add(new ExecutionRow(workload.Name, EngineVariant.JitUnhardened, i, i / 1e9 * 0.84));
            results.Execution.Add(new ExecutionRow(workload.Name, EngineVariant.JitPlain, i, i / 1e9 * 0.80));
            results.NativeSeconds[workload.Name] = i / 2e9;
        }

        results.Execution.Add(new ExecutionRow(TokenTransferFixture.Name, EngineVariant.Jit, 1000, 1e-6));
        results.Compile.Add(new CompileRow(1000, 1e-4, 10_000, 2e-5, 5000));
        results.Host.Add(new HostRow("jit", 1e-6, 500, 5e-7, 80));
        results.Blocks.Add(new BlockRow("one-counter", 1, 1000, 1e-3));
        results.Blocks.Add(new BlockRow("one-counter", 2, 1000, 1.1e-3));
        return results;
    }
}
