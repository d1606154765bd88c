using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Tos.Tbpf.Bench;

/// <summary>Adds a column of eBPF instructions compiled per second.</summary>
public sealed class CompileRateConfig : ManualConfig
{
    public CompileRateConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
        AddColumn(new RateColumn("CompileRate", "M instr/s compiled", "eBPF slots compiled per second (millions), from the median time",
            (summary, benchmarkCase) => benchmarkCase.Parameters["Slots"] is int slots ? slots
                : benchmarkCase.Parameters["Workload"] is string name ? LargeProgram.Slots(name) : null));
    }
}

/// <summary>A count divided by the median time, in millions per second.</summary>
public sealed class RateColumn(string id, string name, string legend, Func<Summary, BenchmarkCase, double?> count) : IColumn
{
    public string Id => id;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var median = summary[benchmarkCase]?.ResultStatistics?.Median;
        var amount = count(summary, benchmarkCase);
        return median is null || amount is null ? "-" : (amount.Value / (median.Value / 1e9) / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}
