using System.Diagnostics;
using Tos.Tbpf.Bench.Native;

namespace Tos.Tbpf.Bench.Report;

/// <summary>
/// <c>BenchQuick</c>: every figure of the report in a couple of minutes, with <see cref="Sampler"/> instead of
/// BenchmarkDotNet. It runs the very same fixtures as the BenchmarkDotNet classes (each checked before it is timed),
/// with fewer and shorter samples; <c>Bench</c> is the careful measurement.
/// </summary>
public static class QuickRunner
{
    private const int WarmupRounds = 3, Rounds = 11;
    private static readonly TimeSpan MinimumSample = TimeSpan.FromMilliseconds(20);

    public static BenchResults Run(Action<string> progress)
    {
        var failures = new List<string>();
        var execution = new List<ExecutionRow>();
        var nativeSeconds = new Dictionary<string, double>();
        var cases = new List<Sampler.Case>();
        var rows = new List<(string Id, string Workload, string Variant, ulong Instructions, int Runs)>();

        progress("checking every workload on every engine variant");
        foreach (var workload in ExecutionFixture.WorkloadNames)
        {
            foreach (var variant in EngineVariant.All)
            {
                if (Attempt(failures, $"{workload} on {variant}", () => new ExecutionFixture(workload, variant)) is { } fixture)
                {
                    // One operation runs every placement once; its time is divided among them below.
                    var id = $"{workload}/{variant}";
                    cases.Add(new(id, () =>
                    {
                        for (var placement = 0; placement < fixture.Placements; placement++)
                        {
                            fixture.Run();
                        }
                    }));
                    rows.Add((id, workload, variant, fixture.Instructions, fixture.Placements));
                }
            }
        }

        foreach (var (engine, variant) in new[] { (EngineKind.Interpreter, EngineVariant.Interpreter), (EngineKind.Jit, EngineVariant.Jit) })
        {
            if (Attempt(failures, $"token transfer on {variant}", () => new TokenTransferFixture(engine)) is { } transfer)
            {
                var id = $"{TokenTransferFixture.Name}/{variant}";
                cases.Add(new(id, () => transfer.Run()));
                rows.Add((id, TokenTransferFixture.Name, variant, transfer.ComputeUnits, 1));
            }
        }

        var native = Attempt(failures, "the native workloads (gcc -O2)", () => CheckedNative());
        foreach (var workload in Workload.All)
        {
            if (native is not null)
            {
                cases.Add(new($"native/{workload.Name}", () => native.Run(workload.Name)));
            }
        }

        progress($"timing {cases.Count} execution cases");
        var samples = Sampler.Samples(cases, WarmupRounds, Rounds, MinimumSample, progress);
        var medians = samples.ToDictionary(x => x.Key, x => Sampler.Median(x.Value));
        var pairedRatios = PairedRatios(samples, rows.Select(r => r.Workload).Distinct());
        execution.AddRange(rows.Select(r => new ExecutionRow(r.Workload, r.Variant, r.Instructions, medians[r.Id] / r.Runs)));
        foreach (var workload in Workload.All.Where(_ => native is not null))
        {
            nativeSeconds[workload.Name] = medians[$"native/{workload.Name}"];
        }

        progress("timing compilation and loading");
        var compile = MeasureCompile(failures).ToList();
        var compileMixes = MeasureCompileMixes(failures);
        var compileWorkloads = MeasureCompileWorkloads();
        progress("timing the contract host");
        var host = MeasureHost(failures).ToList();
        progress("timing block execution");
        var blocks = MeasureBlocks(failures).ToList();
        return new BenchResults
        {
            Machine = MachineInfo.Current(NativeWorkloads.CompilerVersion), Mode = "quick", Execution = execution,
            NativeSeconds = nativeSeconds, PairedRatios = pairedRatios, Compile = compile, CompileMixes = compileMixes, CompileWorkloads = compileWorkloads, Host = host, Blocks = blocks, Failures = failures,
        };
    }

    /// <summary>The JIT variants' costs against each other (see <see cref="BenchResults.PairedRatios"/>), from the rounds'
    /// samples.</summary>
    private static Dictionary<string, double> PairedRatios(Dictionary<string, List<double>> samples, IEnumerable<string> workloads)
    {
        var ratios = new Dictionary<string, double>();
        foreach (var workload in workloads)
        {
            foreach (var (variant, baseline) in BenchResults.CostPairs)
            {
                if (samples.TryGetValue($"{workload}/{variant}", out var numerator) && samples.TryGetValue($"{workload}/{baseline}", out var denominator))
                {
                    ratios[BenchResults.PairKey(workload, variant, baseline)] = Sampler.PairedRatio(numerator, denominator);
                }
            }
        }

        return ratios;
    }

    private static NativeWorkloads CheckedNative()
    {
        var native = NativeWorkloads.Instance;
        foreach (var workload in Workload.All)
        {
            var r0 = native.Run(workload.Name);
            if (r0 != workload.ExpectedR0)
            {
                throw new InvalidOperationException($"native {workload.Name} returned 0x{r0:x}, expected 0x{workload.ExpectedR0:x}");
            }
        }

        return native;
    }

    private static IEnumerable<CompileRow> MeasureCompile(List<string> failures)
    {
        WarmUpCompiler();
        var rows = new List<CompileRow>();
        foreach (var slots in CompileMix.Sizes)
        {
            var size = new ProgramSizeBenchmarks { Slots = slots };
            if (Attempt(failures, $"compiling {slots} slots", () => { size.Setup(); return size; }) is null)
            {
                continue;
            }

            var medians = Sampler.MedianSeconds(
                [new("compile", () => size.Compile()), new("load", () => size.LoadAndVerify())], WarmupRounds, Rounds, MinimumSample);
            rows.Add(new CompileRow(slots, medians["compile"], Sampler.BytesPerOperation(() => size.Compile(), 3),
                medians["load"], Sampler.BytesPerOperation(() => size.LoadAndVerify(), 3)));
        }

        return rows;
    }

    /// <summary>A 1 MiB program of every mix, timed in the same interleaved rounds (after <see cref="MeasureCompile"/>'s
    /// warm-up).</summary>
    private static List<CompileProgramRow> MeasureCompileMixes(List<string> failures)
    {
        var slots = CompileMix.Sizes[^1];
        var programs = new List<(string Name, Programs.VerifiedExecutable Program)>();
        foreach (var mix in CompileMix.Names)
        {
            if (Attempt(failures, $"compiling the {mix} mix", () => CompileMix.Build(mix, slots)) is { } program)
            {
                programs.Add((mix, program));
            }
        }

        return MeasureCompiles(programs);
    }

    /// <summary>The four canonical workloads, which the workload cases above have already loaded and checked.</summary>
    private static List<CompileProgramRow> MeasureCompileWorkloads() =>
        MeasureCompiles(Workload.All.Select(w => (w.Name, w.Load())).ToList());

    private static List<CompileProgramRow> MeasureCompiles(List<(string Name, Programs.VerifiedExecutable Program)> programs)
    {
        var medians = Sampler.MedianSeconds(
            programs.Select(p => new Sampler.Case(p.Name, () => CompileMix.Compile(p.Program))).ToList(), WarmupRounds, Rounds, MinimumSample);
        return programs.Select(p => new CompileProgramRow(p.Name, p.Program.Executable.Instructions.Length, medians[p.Name],
            Sampler.BytesPerOperation(() => CompileMix.Compile(p.Program), 3), CompileMix.Compile(p.Program))).ToList();
    }

    /// <summary>
    /// Compiles every mix for a while before any compile is timed. .NET compiles the JIT's own code in tiers, with
    /// optimised code only after a method has run for a while; the first rows (1 000 slots) used to be timed while the
    /// compiler still ran unoptimised and read four times slower than the same compile later in the run. The CLI ships
    /// precompiled (ReadyToRun) and never runs the compiler unoptimised; a node deploying contracts runs it warm.
    /// </summary>
    private static void WarmUpCompiler()
    {
        var programs = CompileMix.Names.Select(mix => CompileMix.Build(mix, 2_000)).ToArray();
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3 / 2;
        while (Stopwatch.GetTimestamp() < until)
        {
            foreach (var program in programs)
            {
                CompileMix.Compile(program);
            }
        }
    }

    private static IEnumerable<HostRow> MeasureHost(List<string> failures)
    {
        var rows = new List<HostRow>();
        foreach (var engine in new[] { EngineVariant.Interpreter, EngineVariant.Jit })
        {
            var host = new HostBenchmarks { Engine = engine };
            if (Attempt(failures, $"the host on {engine}", () => { host.Setup(); return host; }) is null)
            {
                continue;
            }

            var medians = Sampler.MedianSeconds(
                [new("invoke", () => host.Invoke()), new("bare", () => host.BareRun())], WarmupRounds, Rounds, MinimumSample);
            rows.Add(new HostRow(engine, medians["invoke"], Sampler.BytesPerOperation(() => host.Invoke(), 10_000),
                medians["bare"], Sampler.BytesPerOperation(() => host.BareRun(), 10_000)));
        }

        return rows;
    }

    private static IEnumerable<BlockRow> MeasureBlocks(List<string> failures)
    {
        var fixtures = new List<BlockBenchmarks>();
        foreach (var workload in BlockBenchmarks.Workloads)
        {
            foreach (var threads in BlockBenchmarks.ThreadCounts)
            {
                var block = new BlockBenchmarks { Workload = workload, Threads = threads };
                if (Attempt(failures, $"{workload} block on {threads} threads", () => { block.Setup(); block.ExecuteBlock(); return block; }) is not null)
                {
                    fixtures.Add(block);
                }
            }
        }

        // Blocks warm up longer: the host's hot methods reach .NET's optimized tier only after many calls.
        var medians = Sampler.MedianSeconds(
            fixtures.Select(f => new Sampler.Case($"{f.Workload}/{f.Threads}", () => f.ExecuteBlock())).ToList(),
            WarmupRounds * 3, Rounds, MinimumSample);
        return fixtures.Select(f => new BlockRow(f.Workload, f.Threads, BlockBenchmarks.TransactionsPer(f.Workload, f.Threads), medians[$"{f.Workload}/{f.Threads}"]));
    }

    // A fixture that fails its check is a failed benchmark: recorded, reported and fatal for the run, but the other
    // figures are still measured so the report shows everything that did work.
    private static T? Attempt<T>(List<string> failures, string what, Func<T> make) where T : class
    {
        try
        {
            return make();
        }
        catch (Exception exception) when (exception is InvalidOperationException or EngineUnavailableException or IOException)
        {
            failures.Add($"{what}: {exception.Message}");
            return null;
        }
    }
}
