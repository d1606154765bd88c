using BenchmarkDotNet.Attributes;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Bench;

/// <summary>The canonical workloads on each engine: the interpreter, and the JIT with metering on (the default),
/// off, and with hardening off.</summary>
[Config(typeof(InstructionRateConfig))]
public class ExecutionBenchmarks
{
    private VerifiedExecutable _program = null!;
    private IEngine _engine = null!;
    private byte[] _memory = [];

    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "";

    [ParamsSource(nameof(EngineNames))]
    public string Engine { get; set; } = "";

    public static IEnumerable<string> WorkloadNames => Bench.Workload.All.Select(w => w.Name);

    public static IEnumerable<string> EngineNames => EngineVariant.All;

    [GlobalSetup]
    public void Setup()
    {
        var workload = Bench.Workload.Named(Workload);
        _program = workload.Load();
        _engine = EngineVariant.Create(Engine);
        _memory = new byte[workload.MemorySize];
        // A benchmark that computes the wrong thing measures nothing: check r0 (and the count, where metered) once.
        var result = _engine.Run(_program, FreshMemory(), ulong.MaxValue);
        var counted = Engine is not (EngineVariant.JitUnmetered or EngineVariant.JitPlain);
        if (result.R0 != workload.ExpectedR0 || !result.IsOk || (counted && result.ComputeUnits != workload.Instructions))
        {
            throw new InvalidOperationException($"{Workload} on {Engine}: got {result.Describe()}, expected r0 0x{workload.ExpectedR0:x} in {workload.Instructions} instructions");
        }
    }

    [Benchmark]
    public ulong Run() => _engine.Run(_program, FreshMemory(), ulong.MaxValue).R0;

    // Each run gets zeroed memory, as each invocation does in the node.
    private MemoryMap FreshMemory() =>
        MemoryMap.Standard(_program.Executable.ProgramRegion, _memory, _program.Executable.Profile);
}
