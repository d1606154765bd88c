using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Tos.Tbpf.Bench;

/// <summary>A short job (the workloads run for tenths of a second each) and a column of eBPF instructions per second.</summary>
public sealed class InstructionRateConfig : ManualConfig
{
    public InstructionRateConfig()
    {
        AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(7).WithLaunchCount(1));
        AddColumn(new InstructionRateColumn());
    }

    /// <summary>Executed eBPF instructions divided by the median time.</summary>
    private sealed class InstructionRateColumn : IColumn
    {
        public string Id => "InstructionRate";
        public string ColumnName => "M instr/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Executed eBPF instructions per second (millions), from the median time";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var report = summary[benchmarkCase];
            var median = report?.ResultStatistics?.Median;
            if (median is null || benchmarkCase.Parameters["Workload"] is not string name)
            {
                return "-";
            }

            var perSecond = Workload.Named(name).Instructions / (median.Value / 1e9);
            return (perSecond / 1e6).ToString("0", CultureInfo.InvariantCulture);
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
    }
}
