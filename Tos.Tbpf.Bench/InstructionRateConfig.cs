using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Tos.Tbpf.Bench;

/// <summary>A short job (the workloads run for tenths of a second each) and a column of eBPF instructions per second.</summary>
public sealed class InstructionRateConfig : ManualConfig
{
    public InstructionRateConfig()
    {
        AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(7).WithLaunchCount(1));
        AddColumn(new RateColumn("InstructionRate", "M instr/s", "Executed eBPF instructions per second (millions), from the median time",
            (summary, benchmarkCase) => benchmarkCase.Parameters["Workload"] is string name ? Workload.All.FirstOrDefault(w => w.Name == name)?.Instructions : null));
    }
}
