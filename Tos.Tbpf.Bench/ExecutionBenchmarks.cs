using BenchmarkDotNet.Attributes;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Bench;

/// <summary>The canonical workloads on each engine with metering on (compute units are always charged).</summary>
[Config(typeof(InstructionRateConfig))]
public class ExecutionBenchmarks
{
    private VerifiedExecutable _program = null!;
    private byte[] _memory = [];

    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "";

    [Params(EngineKind.Interpreter)]
    public EngineKind Engine { get; set; }

    public static IEnumerable<string> WorkloadNames => Bench.Workload.All.Select(w => w.Name);

    [GlobalSetup]
    public void Setup()
    {
        var workload = Bench.Workload.Named(Workload);
        _program = workload.Load();
        _memory = new byte[workload.MemorySize];
        // A benchmark that computes the wrong thing measures nothing: check r0 and the count once.
        var check = Vm.Run(_program, _memory, ulong.MaxValue, Engine).Result;
        if (check.R0 != workload.ExpectedR0 || check.ComputeUnits != workload.Instructions)
        {
            throw new InvalidOperationException($"{Workload}: got {check.Describe()}, expected r0 0x{workload.ExpectedR0:x} in {workload.Instructions} instructions");
        }
    }

    [Benchmark]
    public ulong Run()
    {
        var executable = _program.Executable;
        var memory = MemoryMap.Standard(executable.ProgramRegion, _memory, executable.Profile);
        return Engines.Get(Engine).Run(_program, memory, ulong.MaxValue).R0;
    }
}
