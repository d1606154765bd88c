using System.Globalization;
using System.Text.Json;

namespace Tos.Tbpf.Bench.Report;

/// <summary>
/// Turns <see cref="BenchResults"/> into the report: report.md and report.html with their PNG charts, report.json
/// (the raw figures) and summary.md (the README's benchmark section), all in one folder.
/// </summary>
public static class ReportBuilder
{
    /// <summary>The seed document's targets.</summary>
    public const double InterpreterTarget = 50e6, JitTarget = 500e6, MeteringTarget = 0.05;

    private static readonly string[] JitVariants = [EngineVariant.Jit, EngineVariant.JitUnmetered, EngineVariant.JitUnhardened, EngineVariant.JitPlain];

    public static void Write(BenchResults results, string folder)
    {
        Directory.CreateDirectory(folder);
        var report = Build(results, folder, charts: true);
        File.WriteAllText(Path.Combine(folder, "report.md"), report.ToMarkdown());
        File.WriteAllText(Path.Combine(folder, "report.html"), report.ToHtml("TBPF benchmark report"));
        File.WriteAllText(Path.Combine(folder, "summary.md"), Summary(results).ToMarkdown("docs/bench/"));
        File.WriteAllText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The report; with <paramref name="charts"/> the PNGs are written into <paramref name="folder"/>.</summary>
    public static ReportDocument Build(BenchResults results, string folder, bool charts)
    {
        var document = new ReportDocument().Heading(1, "TBPF benchmark report");
        Header(document, results);
        document.Heading(2, "Targets of the seed document");
        document.Table(["target", "measured", "met"], Targets(results));
        ExecutionSection(document, results, folder, charts);
        NativeSection(document, results, folder, charts);
        CostSection(document, results, folder, charts);
        CompileSection(document, results, folder, charts);
        CompileProgramsSection(document, results);
        HostSection(document, results, folder, charts);
        BlockSection(document, results, folder, charts);
        document.Heading(2, "Method");
        document.Paragraph(results.Mode == "full"
            ? "BenchmarkDotNet (`dotnet cake --target=Bench`): each figure is the median of BenchmarkDotNet's iterations after its warm-up."
            : "The quick sampler (`dotnet cake --target=BenchQuick`): every case is calibrated to samples of at least 20 ms, warmed up, then timed in 11 interleaved rounds; each figure is the median sample. `dotnet cake --target=Bench` measures the same fixtures with BenchmarkDotNet.");
        document.Paragraph($"Before it is timed, every case is checked: r0, the exact compute units on metered engines (the bench README's counts; for contracts the interpreter's), and for contracts the logged output against .NET's SHA-256 and Array.Sort. A failed check fails the run. The canonical workloads run under the rfc9669 profile as the bench README asks, the contracts under tbpf. For contracts, instructions are compute units (instructions plus syscall charges). Every JIT figure is the mean over {ExecutionFixture.JitPlacements} code placements (the program's code moved by {string.Join(", ", EngineVariant.LayoutShifts)} bytes, run in turn): on this project's test host the same collatz code ran in 36 to 50 ms depending on the placement alone, which is more than the costs compared here, so one placement per variant would measure where the code landed. Metering cost is the JIT without hardening vs the JIT with neither; hardening cost is the default JIT vs the JIT without hardening (both metered, as a node runs contracts); both is the default JIT vs neither.{(results.PairedRatios.Count > 0 ? " Each cost is the median over the rounds of the two variants' ratio within a round (they ran back to back), so that a slow stretch of the machine spanning some rounds cancels out; the throughput tables are each case's median." : "")}");
        return document;
    }

    /// <summary>The README's section: machine, targets, throughput and multiples of native time, the main charts.</summary>
    public static ReportDocument Summary(BenchResults results)
    {
        var document = new ReportDocument();
        Header(document, results);
        document.Table(["target", "measured", "met"], Targets(results));
        document.Table(["workload", .. Variants(results).Select(v => v + " (M instr/s, × native)")],
            ExecutionWorkloads(results).Select(w => (IReadOnlyList<string>)[w, .. Variants(results).Select(v => RateAndNative(results, w, v))]));
        document.Image("throughput.png", "eBPF instructions per second by workload and engine");
        document.Image("native.png", "JIT time as a multiple of native gcc -O2 time");
        document.Paragraph("Full report with compile, host and block figures: [docs/bench/report.md](docs/bench/report.md).");
        return document;
    }

    private static void Header(ReportDocument document, BenchResults results)
    {
        var machine = results.Machine;
        document.Paragraph($"Measured on **{machine.Cpu}**, {machine.Cores} cores, {machine.Os}, {machine.Runtime}; native unit: {(machine.NativeCompiler.Length > 0 ? machine.NativeCompiler : "gcc")} -O2. "
            + $"Commit `{machine.Commit}`, {machine.Date}, {(results.Mode == "full" ? "BenchmarkDotNet" : "quick sampler")}.");
        if (results.Failures.Count > 0)
        {
            document.Paragraph("**Failed checks** (their figures are missing): " + string.Join("; ", results.Failures));
        }
    }

    private static IEnumerable<IReadOnlyList<string>> Targets(BenchResults results)
    {
        var canonical = Workload.All.Select(w => w.Name).ToArray();
        var interpreter = canonical.Select(w => Rate(results, w, EngineVariant.Interpreter)).ToArray();
        var jit = canonical.Select(w => Rate(results, w, EngineVariant.Jit)).ToArray();
        var metering = canonical.Select(w => MeteringCost(results, w)).ToArray();
        yield return ["interpreter 50–100 M instr/s", RateRange(interpreter), Met(interpreter, r => r >= InterpreterTarget)];
        yield return ["JIT 0.5–1 G instr/s", RateRange(jit), Met(jit, r => r >= JitTarget)];
        yield return ["metering ~5%", PercentRange(metering), Met(metering, c => c <= MeteringTarget + 1e-9)];
        yield return ["every result check passes", results.Failures.Count == 0 ? "all passed" : $"{results.Failures.Count} failed", results.Failures.Count == 0 ? "yes" : "**no**"];
    }

    private static void ExecutionSection(ReportDocument document, BenchResults results, string folder, bool charts)
    {
        var variants = Variants(results);
        var workloads = ExecutionWorkloads(results);
        document.Heading(2, "Execution throughput (M eBPF instructions/s, higher is better)");
        document.Table(["workload", "instructions", .. variants],
            workloads.Select(w => (IReadOnlyList<string>)[w, Instructions(results, w), .. variants.Select(v => Millions(Rate(results, w, v)))]));
        document.Image("throughput.png", "eBPF instructions per second by workload and engine");
        if (charts)
        {
            Charts.GroupedBars(Path.Combine(folder, "throughput.png"), "Execution throughput (higher is better)", "M eBPF instructions / s",
                workloads, variants.Select(v => (v, workloads.Select(w => Rate(results, w, v) / 1e6).ToArray())).ToList());
        }
    }

    private static void NativeSection(ReportDocument document, BenchResults results, string folder, bool charts)
    {
        var canonical = Workload.All.Select(w => w.Name).Where(results.NativeSeconds.ContainsKey).ToList();
        var variants = Variants(results);
        document.Heading(2, "Time as a multiple of native gcc -O2 (lower is better)");
        if (canonical.Count == 0)
        {
            document.Paragraph("Native times were not measured (see the failed checks).");
            return;
        }

        document.Table(["workload", "native (ms)", .. variants],
            canonical.Select(w => (IReadOnlyList<string>)[w, Number(results.NativeSeconds[w] * 1e3, "0.00"), .. variants.Select(v => Multiple(NativeMultiple(results, w, v)))]));
        document.Image("native.png", "JIT time as a multiple of native gcc -O2 time");
        if (charts)
        {
            var jits = variants.Where(JitVariants.Contains).ToList();
            Charts.GroupedBars(Path.Combine(folder, "native.png"), "JIT time ÷ native gcc -O2 time (lower is better; interpreter in the table)",
                "× native time", canonical, jits.Select(v => (v, canonical.Select(w => NativeMultiple(results, w, v)).ToArray())).ToList());
        }
    }

    private static void CostSection(ReportDocument document, BenchResults results, string folder, bool charts)
    {
        var workloads = ExecutionWorkloads(results).Where(w => results.Seconds(w, EngineVariant.JitPlain) is not null || results.Seconds(w, EngineVariant.Jit) is not null).ToList();
        document.Heading(2, "JIT speed-up over the interpreter; cost of metering and of hardening");
        document.Table(["workload", "JIT ÷ interpreter speed-up", "metering cost", "hardening cost", "both (default vs plain)"],
            workloads.Select(w => (IReadOnlyList<string>)[w, Multiple(Speedup(results, w)), Percent(MeteringCost(results, w)),
                Percent(HardeningCost(results, w)), Percent(Cost(results, w, EngineVariant.Jit))]));
        document.Image("speedup.png", "JIT speed-up over the interpreter");
        document.Image("overhead.png", "Cost of metering and hardening in percent");
        if (charts)
        {
            Charts.GroupedBars(Path.Combine(folder, "speedup.png"), "JIT (default) speed-up over the interpreter (higher is better)", "× interpreter speed",
                workloads, [("JIT default", workloads.Select(w => Speedup(results, w)).ToArray())]);
            Charts.GroupedBars(Path.Combine(folder, "overhead.png"), "Cost of metering and of hardening (lower is better)", "% slower",
                workloads, [
                    ("metering", workloads.Select(w => MeteringCost(results, w) * 100).ToArray()),
                    ("hardening", workloads.Select(w => HardeningCost(results, w) * 100).ToArray()),
                    ("both", workloads.Select(w => Cost(results, w, EngineVariant.Jit) * 100).ToArray()),
                ]);
        }
    }

    private static void CompileSection(ReportDocument document, BenchResults results, string folder, bool charts)
    {
        document.Heading(2, "Compile and load time by program size (the mixed instruction program)");
        document.Table(["slots", "load + verify (ms)", "µs / instruction", "allocated", "JIT compile (ms)", "µs / instruction", "M instr/s", "allocated"],
            results.Compile.Select(c => (IReadOnlyList<string>)[
                Size(c.Slots), Number(c.LoadSeconds * 1e3, "0.000"), Number(c.LoadSeconds * 1e6 / c.Slots, "0.000"), Bytes(c.LoadBytes),
                Number(c.CompileSeconds * 1e3, "0.000"), Number(c.CompileSeconds * 1e6 / c.Slots, "0.000"), Number(c.Slots / c.CompileSeconds / 1e6, "0.0"),
                Bytes(c.CompileBytes)]));
        document.Image("compile.png", "Compile and load time per instruction by program size");
        if (charts && results.Compile.Count > 0)
        {
            var sizes = results.Compile.Select(c => Size(c.Slots)).ToList();
            Charts.GroupedBars(Path.Combine(folder, "compile.png"), "Time per eBPF instruction by program size (lower is better)", "µs per instruction",
                sizes, [
                    ("load + verify", results.Compile.Select(c => (double?)(c.LoadSeconds * 1e6 / c.Slots)).ToArray()),
                    ("JIT compile", results.Compile.Select(c => (double?)(c.CompileSeconds * 1e6 / c.Slots)).ToArray()),
                ], "program size (slots)");
        }
    }

    /// <summary>The JIT issue's compile targets: at least <see cref="CompileRateTarget"/> instructions per second on large
    /// programs, each shared workload within <see cref="WorkloadCompileSeconds"/>, and the worst 1 MiB program of any mix
    /// within <see cref="WorstCompileSeconds"/> and <see cref="WorstCompileBytes"/>.</summary>
    public const double CompileRateTarget = 20e6, WorkloadCompileSeconds = 15e-6, WorstCompileSeconds = 0.1, WorstCompileBytes = 64 * 1024 * 1024;

    private static void CompileProgramsSection(ReportDocument document, BenchResults results)
    {
        if (results.CompileWorkloads.Count > 0)
        {
            document.Heading(2, "JIT compile of the shared workloads");
            document.Table(["workload", "slots", "compile (µs)", "allocated", "machine code"],
                results.CompileWorkloads.Select(w => (IReadOnlyList<string>)[w.Name, Number(w.Slots, "0"), Number(w.CompileSeconds * 1e6, "0.0"),
                    Bytes(w.CompileBytes), Bytes(w.CodeBytes)]));
            var slowest = results.CompileWorkloads.MaxBy(w => w.CompileSeconds)!;
            document.Paragraph($"Slowest: {slowest.Name}, {Number(slowest.CompileSeconds * 1e6, "0.0")} µs (bound {WorkloadCompileSeconds * 1e6:0} µs each).");
        }

        if (results.CompileMixes.Count == 0)
        {
            return;
        }

        document.Heading(2, "JIT compile of a 1 MiB program by instruction mix");
        document.Table(["mix", "compile (ms)", "µs / instruction", "M instr/s", "allocated", "machine code"],
            results.CompileMixes.Select(m => (IReadOnlyList<string>)[m.Name, Number(m.CompileSeconds * 1e3, "0.0"),
                Number(m.CompileSeconds * 1e6 / m.Slots, "0.000"), Number(m.InstructionsPerSecond / 1e6, "0.0"), Bytes(m.CompileBytes),
                Bytes(m.CodeBytes)]));
        var worst = results.CompileMixes.MaxBy(m => m.CompileSeconds)!;
        var most = results.CompileMixes.MaxBy(m => m.CompileBytes)!;
        var atTarget = results.CompileMixes.Where(m => m.InstructionsPerSecond >= CompileRateTarget).Select(m => m.Name).ToList();
        document.Paragraph($"Each mix repeats a short pattern of one kind of instruction (see `CompileMix`), hardening and metering on. "
            + $"Worst compile: {worst.Name}, {Number(worst.CompileSeconds * 1e3, "0.0")} ms (bound {WorstCompileSeconds * 1e3:0} ms); "
            + $"most allocated: {most.Name}, {Bytes(most.CompileBytes)} (bound {Bytes(WorstCompileBytes)}). "
            + $"At or above {CompileRateTarget / 1e6:0} M instr/s: {(atTarget.Count == 0 ? "none" : string.Join(", ", atTarget))}.");
    }

    private static void HostSection(ReportDocument document, BenchResults results, string folder, bool charts)
    {
        document.Heading(2, "Contract host: one Invoke of hello_world vs the bare run");
        document.Table(["engine", "Invoke (µs)", "allocated / Invoke", "bare run (µs)", "allocated / run", "host overhead (µs)"],
            results.Host.Select(h => (IReadOnlyList<string>)[h.Engine, Number(h.InvokeSeconds * 1e6, "0.00"), Bytes(h.InvokeBytes),
                Number(h.BareSeconds * 1e6, "0.00"), Bytes(h.BareBytes), Number((h.InvokeSeconds - h.BareSeconds) * 1e6, "0.00")]));
        document.Image("host.png", "Invoke vs bare run in microseconds");
        if (charts && results.Host.Count > 0)
        {
            Charts.GroupedBars(Path.Combine(folder, "host.png"), "hello_world: ContractHost.Invoke vs the engine alone (lower is better)", "µs per call",
                results.Host.Select(h => h.Engine).ToList(), [
                    ("Invoke", results.Host.Select(h => (double?)(h.InvokeSeconds * 1e6)).ToArray()),
                    ("bare run", results.Host.Select(h => (double?)(h.BareSeconds * 1e6)).ToArray()),
                ]);
        }
    }

    private static void BlockSection(ReportDocument document, BenchResults results, string folder, bool charts)
    {
        document.Heading(2, "Block execution: ExecuteBlock throughput by thread count");
        document.Paragraph($"Blocks of {BlockBenchmarks.Transactions:N0} transactions. `{BlockBenchmarks.Independent}` is not an executor: "
            + "on N threads it runs N separate hosts, each executing its own block of transfers serially over its own state, all at once. "
            + "It shares nothing but the process and the cores, so its speed-up is the most any parallel executor could reach on this machine.");
        document.Table(["block", "threads", "ms / 1 000 tx", "tx/s", "vs 1 thread"],
            results.Blocks.Select(b => (IReadOnlyList<string>)[b.Workload, b.Threads.ToString(CultureInfo.InvariantCulture),
                Number(b.MedianSeconds * 1e6 / b.Transactions, "0.00"), Number(b.TransactionsPerSecond, "0"), Multiple(BlockSpeedup(results, b))]));
        document.Image("blocks.png", "Transactions per second by thread count");
        if (charts && results.Blocks.Count > 0)
        {
            var workloads = results.Blocks.Select(b => b.Workload).Distinct().ToList();
            var threads = results.Blocks.Select(b => b.Threads).Distinct().Order().ToList();
            Charts.GroupedBars(Path.Combine(folder, "blocks.png"), $"ExecuteBlock, {BlockBenchmarks.Transactions} transactions per block (higher is better)",
                "transactions / s", workloads, threads.Select(t => ($"{t} thread{(t == 1 ? "" : "s")}",
                    workloads.Select(w => results.Blocks.FirstOrDefault(b => b.Workload == w && b.Threads == t)?.TransactionsPerSecond).ToArray())).ToList());
        }
    }

    private static List<string> Variants(BenchResults results) =>
        EngineVariant.All.Where(v => results.Execution.Any(r => r.Variant == v)).ToList();

    private static List<string> ExecutionWorkloads(BenchResults results) =>
        results.Execution.Select(r => r.Workload).Distinct().ToList();

    private static double? Rate(BenchResults results, string workload, string variant) =>
        results.Execution.FirstOrDefault(r => r.Workload == workload && r.Variant == variant)?.InstructionsPerSecond;

    private static string Instructions(BenchResults results, string workload) =>
        results.Execution.First(r => r.Workload == workload).Instructions.ToString("N0", CultureInfo.InvariantCulture);

    public static double? NativeMultiple(BenchResults results, string workload, string variant) =>
        results.Seconds(workload, variant) is { } seconds && results.NativeSeconds.TryGetValue(workload, out var native) ? seconds / native : null;

    public static double? Speedup(BenchResults results, string workload) =>
        results.Seconds(workload, EngineVariant.Interpreter) / results.Seconds(workload, EngineVariant.Jit);

    /// <summary>How much slower <paramref name="variant"/> is than the JIT with metering and hardening off.</summary>
    public static double? Cost(BenchResults results, string workload, string variant) =>
        results.Ratio(workload, variant, EngineVariant.JitPlain) - 1;

    /// <summary>Metering alone: the JIT without hardening vs the JIT with neither (as issue #10 measures it).</summary>
    public static double? MeteringCost(BenchResults results, string workload) => Cost(results, workload, EngineVariant.JitUnhardened);

    /// <summary>Hardening alone: the default JIT vs the JIT without hardening, both metered, as a node runs it.</summary>
    public static double? HardeningCost(BenchResults results, string workload) =>
        results.Ratio(workload, EngineVariant.Jit, EngineVariant.JitUnhardened) - 1;

    private static double? BlockSpeedup(BenchResults results, BlockRow row) =>
        row.TransactionsPerSecond / results.Blocks.FirstOrDefault(b => b.Workload == row.Workload && b.Threads == 1)?.TransactionsPerSecond;

    private static string RateAndNative(BenchResults results, string workload, string variant) =>
        Rate(results, workload, variant) is { } rate
            ? Millions(rate) + (NativeMultiple(results, workload, variant) is { } multiple ? $" ({Multiple(multiple)})" : "")
            : "–";

    /// <summary>"yes" when every value is measured and passes, "**no**" otherwise.</summary>
    public static string Met(IReadOnlyList<double?> values, Func<double, bool> passes) =>
        values.Count > 0 && values.All(v => v is { } x && passes(x)) ? "yes" : "**no**";

    private static string RateRange(IReadOnlyList<double?> rates) => rates.Any(r => r is null)
        ? "not measured"
        : $"{Millions(rates.Min())}–{Millions(rates.Max())} M/s";

    private static string PercentRange(IReadOnlyList<double?> costs) => costs.Any(c => c is null)
        ? "not measured"
        : $"{Percent(costs.Min())} to {Percent(costs.Max())}";

    private static string Millions(double? rate) => rate is { } r ? Number(r / 1e6, r >= 1e8 ? "0" : "0.0") : "–";

    private static string Multiple(double? value) => value is { } v ? Number(v, "0.00") + "×" : "–";

    private static string Percent(double? value) => value is { } v ? (v >= 0 ? "+" : "") + Number(v * 100, "0.0") + "%" : "–";

    private static string Size(int slots) => slots >= 1 << 17 ? "1 MiB (131 072)" : slots.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 20 => Number(bytes / (1 << 20), "0.0") + " MiB",
        >= 1 << 10 => Number(bytes / (1 << 10), "0.0") + " KiB",
        _ => Number(bytes, "0") + " B",
    };

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
