using BenchmarkDotNet.Attributes;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Bench;

/// <summary>JIT compilation time per workload (verified program in, mapped code out), hardening on.</summary>
[Config(typeof(CompileRateConfig))]
public class CompileBenchmarks
{
    private VerifiedExecutable _program = null!;

    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "";

    public static IEnumerable<string> WorkloadNames => Bench.Workload.All.Select(w => w.Name).Append(LargeProgram.Name);

    [GlobalSetup]
    public void Setup() => _program = Workload == LargeProgram.Name ? LargeProgram.Load() : Bench.Workload.Named(Workload).Load();

    [Benchmark]
    public int Compile()
    {
        using var compiled = JitProgram.Compile(_program);
        return compiled.CodeSize;
    }
}
