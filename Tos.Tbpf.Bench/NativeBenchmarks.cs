using BenchmarkDotNet.Attributes;
using Tos.Tbpf.Bench.Native;

namespace Tos.Tbpf.Bench;

/// <summary>The canonical workloads as C compiled by gcc -O2: the unit of the report's "× native" figures.</summary>
[Config(typeof(InstructionRateConfig))]
public class NativeBenchmarks
{
    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "";

    public static IEnumerable<string> WorkloadNames => Bench.Workload.All.Select(w => w.Name);

    [GlobalSetup]
    public void Setup()
    {
        var r0 = NativeWorkloads.Instance.Run(Workload);
        if (r0 != Bench.Workload.Named(Workload).ExpectedR0)
        {
            throw new InvalidOperationException($"native {Workload} returned 0x{r0:x}");
        }
    }

    [Benchmark]
    public ulong Run() => NativeWorkloads.Instance.Run(Workload);
}
