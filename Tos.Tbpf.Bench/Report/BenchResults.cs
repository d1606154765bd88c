namespace Tos.Tbpf.Bench.Report;

/// <summary>Everything one benchmark run measured, whether by BenchmarkDotNet (<c>Bench</c>) or by the quick sampler
/// (<c>BenchQuick</c>); the report, its charts and its target marks are computed from this alone. Saved as report.json.</summary>
public sealed class BenchResults
{
    public required MachineInfo Machine { get; init; }

    /// <summary>"full" (BenchmarkDotNet) or "quick".</summary>
    public required string Mode { get; init; }

    public List<ExecutionRow> Execution { get; init; } = [];

    /// <summary>Median seconds per run of each canonical workload compiled from C with gcc -O2.</summary>
    public Dictionary<string, double> NativeSeconds { get; init; } = [];

    /// <summary>The quick sampler's time of one JIT variant over another on one workload, as the median of the rounds'
    /// ratios (<see cref="Report.Sampler.PairedRatio"/>), keyed by <see cref="PairKey"/>; the costs of metering and
    /// hardening are read from these when present, else from the ratio of the two medians (BenchmarkDotNet).</summary>
    public Dictionary<string, double> PairedRatios { get; init; } = [];

    /// <summary>The variant pairs whose ratios the report reads: metering, hardening, both.</summary>
    public static readonly (string Variant, string Baseline)[] CostPairs =
    [
        (EngineVariant.JitUnhardened, EngineVariant.JitPlain), (EngineVariant.Jit, EngineVariant.JitUnhardened), (EngineVariant.Jit, EngineVariant.JitPlain),
    ];

    public static string PairKey(string workload, string variant, string baseline) => $"{workload}/{variant}/{baseline}";

    /// <summary>How many times <paramref name="baseline"/>'s time <paramref name="variant"/> takes on
    /// <paramref name="workload"/>: the paired ratio when the run measured one, else the ratio of the medians.</summary>
    public double? Ratio(string workload, string variant, string baseline) =>
        PairedRatios.TryGetValue(PairKey(workload, variant, baseline), out var paired) ? paired : Seconds(workload, variant) / Seconds(workload, baseline);

    public List<CompileRow> Compile { get; init; } = [];

    /// <summary>Compiling a 1 MiB program of each instruction mix (<see cref="CompileMix"/>).</summary>
    public List<CompileProgramRow> CompileMixes { get; init; } = [];

    /// <summary>Compiling each canonical workload (<see cref="Workload.All"/>).</summary>
    public List<CompileProgramRow> CompileWorkloads { get; init; } = [];

    public List<HostRow> Host { get; init; } = [];

    public List<BlockRow> Blocks { get; init; } = [];

    /// <summary>Benchmarks whose result check failed or that could not run: each fails the run.</summary>
    public List<string> Failures { get; init; } = [];

    /// <summary>The median seconds of <paramref name="workload"/> on <paramref name="variant"/>, when measured.</summary>
    public double? Seconds(string workload, string variant) =>
        Execution.FirstOrDefault(r => r.Workload == workload && r.Variant == variant)?.MedianSeconds;
}

/// <summary>One workload on one engine variant: instructions per run and the median seconds per run.</summary>
public sealed record ExecutionRow(string Workload, string Variant, ulong Instructions, double MedianSeconds)
{
    public double InstructionsPerSecond => Instructions / MedianSeconds;
}

/// <summary>Compiling (hardening and metering on) and loading + verifying the mixed program of <paramref name="Slots"/> slots.</summary>
public sealed record CompileRow(int Slots, double CompileSeconds, double CompileBytes, double LoadSeconds, double LoadBytes);

/// <summary>Compiling (hardening and metering on) one program, a shared workload or a large program of one instruction
/// mix: seconds and bytes allocated per compile, and the bytes of machine code it makes.</summary>
public sealed record CompileProgramRow(string Name, int Slots, double CompileSeconds, double CompileBytes, int CodeBytes)
{
    public double InstructionsPerSecond => Slots / CompileSeconds;
}

/// <summary>A whole <c>ContractHost.Invoke</c> of hello_world vs the engine's run on a prepared memory map.</summary>
public sealed record HostRow(string Engine, double InvokeSeconds, double InvokeBytes, double BareSeconds, double BareBytes);

/// <summary>One block of <c>ExecuteBlock</c>: seconds per block of <paramref name="Transactions"/> transactions.</summary>
public sealed record BlockRow(string Workload, int Threads, int Transactions, double MedianSeconds)
{
    public double TransactionsPerSecond => Transactions / MedianSeconds;
}
