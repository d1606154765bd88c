using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Tos.Tbpf.Bench.Native;

namespace Tos.Tbpf.Bench.Report;

/// <summary><c>Bench</c>: the report's figures measured by BenchmarkDotNet, then read back out of its summaries.</summary>
public static class FullRunner
{
    private static readonly Type[] Benchmarks =
    [
        typeof(ExecutionBenchmarks), typeof(NativeBenchmarks), typeof(TokenTransferBenchmarks), typeof(ProgramSizeBenchmarks),
        typeof(HostBenchmarks), typeof(BlockBenchmarks),
    ];

    public static BenchResults Run(string artifacts)
    {
        // Compile the native library here first, so that a missing gcc fails before minutes of measuring.
        _ = NativeWorkloads.Instance;
        var summaries = BenchmarkRunner.Run(Benchmarks, DefaultConfig.Instance.WithArtifactsPath(artifacts));
        return Collect(summaries.SelectMany(s => s.Reports).ToList());
    }

    private static BenchResults Collect(IReadOnlyList<BenchmarkReport> reports)
    {
        var failures = new List<string>();
        var measured = new Dictionary<string, (double Seconds, double Bytes)>();
        foreach (var report in reports)
        {
            var key = Key(report.BenchmarkCase.Descriptor.Type.Name, report.BenchmarkCase.Descriptor.WorkloadMethod.Name,
                report.BenchmarkCase.Parameters.Items.Select(p => (p.Name, p.Value?.ToString() ?? "")).ToArray());
            if (!report.Success || report.ResultStatistics is null)
            {
                failures.Add($"{key} did not run or failed its check");
                continue;
            }

            var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
            measured[key] = (report.ResultStatistics.Median / 1e9, bytes);
        }

        double? Seconds(string key) => measured.TryGetValue(key, out var m) ? m.Seconds : null;
        double Bytes(string key) => measured.TryGetValue(key, out var m) ? m.Bytes : 0;

        var execution = new List<ExecutionRow>();
        foreach (var workload in ExecutionFixture.WorkloadNames)
        {
            var instructions = ExecutionFixture.InstructionsOf(workload);
            foreach (var variant in EngineVariant.All)
            {
                if (Seconds(Key(nameof(ExecutionBenchmarks), "Run", ("Workload", workload), ("Engine", variant))) is { } seconds)
                {
                    execution.Add(new ExecutionRow(workload, variant, instructions, seconds));
                }
            }
        }

        var transferUnits = new TokenTransferFixture(EngineKind.Interpreter).ComputeUnits;
        foreach (var engine in new[] { EngineVariant.Interpreter, EngineVariant.Jit })
        {
            if (Seconds(Key(nameof(TokenTransferBenchmarks), "Transfer", ("Engine", engine))) is { } seconds)
            {
                execution.Add(new ExecutionRow(TokenTransferFixture.Name, engine, transferUnits, seconds));
            }
        }

        var native = Workload.All.Select(w => (w.Name, Seconds: Seconds(Key(nameof(NativeBenchmarks), "Run", ("Workload", w.Name)))))
            .Where(n => n.Seconds is not null).ToDictionary(n => n.Name, n => n.Seconds!.Value);
        var compile = CompileMix.Sizes
            .Select(s => (Slots: s, Compile: Key(nameof(ProgramSizeBenchmarks), "Compile", ("Slots", s.ToString(CultureInfo.InvariantCulture))), Load: Key(nameof(ProgramSizeBenchmarks), "LoadAndVerify", ("Slots", s.ToString(CultureInfo.InvariantCulture)))))
            .Where(s => Seconds(s.Compile) is not null && Seconds(s.Load) is not null)
            .Select(s => new CompileRow(s.Slots, Seconds(s.Compile)!.Value, Bytes(s.Compile), Seconds(s.Load)!.Value, Bytes(s.Load))).ToList();
        var mixSlots = CompileMix.Sizes[^1].ToString(CultureInfo.InvariantCulture);
        var compileMixes = CompileMix.Names
            .Select(m => (Mix: m, Key: Key(nameof(CompileMixBenchmarks), "Compile", ("Mix", m), ("Slots", mixSlots))))
            .Where(m => Seconds(m.Key) is not null)
            .Select(m => new CompileProgramRow(m.Mix, CompileMix.Sizes[^1], Seconds(m.Key)!.Value, Bytes(m.Key),
                CompileMix.Compile(CompileMix.Build(m.Mix, CompileMix.Sizes[^1])))).ToList();
        var compileWorkloads = Workload.All
            .Select(w => (Workload: w, Key: Key(nameof(CompileBenchmarks), "Compile", ("Workload", w.Name))))
            .Where(w => Seconds(w.Key) is not null)
            .Select(w => (w.Workload, w.Key, Program: w.Workload.Load()))
            .Select(w => new CompileProgramRow(w.Workload.Name, w.Program.Executable.Instructions.Length, Seconds(w.Key)!.Value, Bytes(w.Key),
                CompileMix.Compile(w.Program))).ToList();
        var host = new[] { EngineVariant.Interpreter, EngineVariant.Jit }
            .Select(e => (Engine: e, Invoke: Key(nameof(HostBenchmarks), "Invoke", ("Engine", e)), Bare: Key(nameof(HostBenchmarks), "BareRun", ("Engine", e))))
            .Where(h => Seconds(h.Invoke) is not null && Seconds(h.Bare) is not null)
            .Select(h => new HostRow(h.Engine, Seconds(h.Invoke)!.Value, Bytes(h.Invoke), Seconds(h.Bare)!.Value, Bytes(h.Bare))).ToList();
        var blocks = BlockBenchmarks.Workloads.SelectMany(w => BlockBenchmarks.ThreadCounts.Select(t => (Workload: w, Threads: t)))
            .Select(b => (b.Workload, b.Threads, Seconds: Seconds(Key(nameof(BlockBenchmarks), "ExecuteBlock", ("Workload", b.Workload), ("Threads", b.Threads.ToString(CultureInfo.InvariantCulture))))))
            .Where(b => b.Seconds is not null)
            .Select(b => new BlockRow(b.Workload, b.Threads, BlockBenchmarks.TransactionsPer(b.Workload, b.Threads), b.Seconds!.Value)).ToList();
        return new BenchResults
        {
            Machine = MachineInfo.Current(NativeWorkloads.CompilerVersion), Mode = "full", Execution = execution, NativeSeconds = native,
            Compile = compile, CompileMixes = compileMixes, CompileWorkloads = compileWorkloads, Host = host, Blocks = blocks, Failures = failures,
        };
    }

    // A case by its class, method and parameters by name, in name order: independent of how BenchmarkDotNet lists them.
    private static string Key(string type, string method, params (string Name, string Value)[] parameters) =>
        $"{type}.{method}({string.Join(", ", parameters.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}={p.Value}"))})";
}
