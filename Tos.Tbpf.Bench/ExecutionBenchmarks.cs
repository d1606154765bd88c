using BenchmarkDotNet.Attributes;

namespace Tos.Tbpf.Bench;

/// <summary>The canonical workloads and the contract workloads on each engine variant: the interpreter, and the JIT
/// by default (metered, hardened), without metering, without hardening, and with both off. A JIT fixture's runs take its
/// code placements in turn (see <see cref="ExecutionFixture"/>); an iteration holds many runs (about half a second of
/// them), so each iteration averages over the placements.</summary>
[Config(typeof(InstructionRateConfig))]
public class ExecutionBenchmarks
{
    private ExecutionFixture _fixture = null!;

    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "";

    [ParamsSource(nameof(EngineNames))]
    public string Engine { get; set; } = "";

    public static IEnumerable<string> WorkloadNames => ExecutionFixture.WorkloadNames;

    public static IEnumerable<string> EngineNames => EngineVariant.All;

    [GlobalSetup]
    public void Setup() => _fixture = new ExecutionFixture(Workload, Engine);

    [Benchmark]
    public ulong Run() => _fixture.Run();
}
