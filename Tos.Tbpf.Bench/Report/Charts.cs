using ScottPlot;

namespace Tos.Tbpf.Bench.Report;

/// <summary>The report's charts (ScottPlot 5, PNG): grouped bars with labelled axes, units and a legend.</summary>
public static class Charts
{
    private const int Width = 1000, Height = 520;

    private static readonly Color[] Palette =
    [
        Color.FromHex("#4e79a7"), Color.FromHex("#f28e2b"), Color.FromHex("#59a14f"), Color.FromHex("#e15759"),
        Color.FromHex("#b07aa1"), Color.FromHex("#76b7b2"),
    ];

    // The same series gets the same colour in every chart: engine variants by their fixed order, others by position.
    private static Color ColorOf(string series, int position)
    {
        var variant = EngineVariant.All.ToList().IndexOf(series);
        return Palette[(variant >= 0 ? variant : position) % Palette.Length];
    }

    /// <summary>One bar per (group, series); a missing value leaves a gap. Writes <paramref name="path"/>.</summary>
    public static void GroupedBars(string path, string title, string yLabel, IReadOnlyList<string> groups,
        IReadOnlyList<(string Name, double?[] Values)> series, string? xLabel = null)
    {
        var plot = new Plot();
        var width = 0.8 / Math.Max(1, series.Count);
        for (var s = 0; s < series.Count; s++)
        {
            var bars = new List<Bar>();
            for (var g = 0; g < groups.Count; g++)
            {
                if (series[s].Values[g] is { } value && double.IsFinite(value))
                {
                    bars.Add(new Bar
                    {
                        Position = g - 0.4 + width * (s + 0.5), Value = value, Size = width * 0.92,
                        FillColor = ColorOf(series[s].Name, s), LineWidth = 0,
                    });
                }
            }

            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = series[s].Name;
            plotted.Color = ColorOf(series[s].Name, s);
        }

        plot.Title(title);
        plot.YLabel(yLabel);
        if (xLabel is not null)
        {
            plot.XLabel(xLabel);
        }

        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray(), groups.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        // Bars stand on the axis unless some go below zero (a cost can be negative: faster than the baseline).
        var anyNegative = series.Any(s => s.Values.Any(v => v < 0));
        plot.Axes.Margins(bottom: anyNegative ? 0.1 : 0, top: 0.1);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        if (series.Count > 1)
        {
            plot.ShowLegend(Edge.Right);
        }

        plot.SavePng(path, Width, Height);
    }
}
