using System.Diagnostics;

namespace Tos.Tbpf.Bench.Report;

/// <summary>
/// The quick report's timer. Every case is calibrated to a sample of at least a few milliseconds (short operations are
/// repeated inside one sample), warmed up for some rounds (so .NET's tiered compiler has finished with the hot
/// paths), then timed in interleaved rounds — one sample of every case per round — so that a slow patch of the machine
/// hits all cases alike. The figure is the median sample.
/// </summary>
public static class Sampler
{
    /// <summary>A named operation to time.</summary>
    public sealed record Case(string Id, Action Operation);

    /// <summary>The median seconds per operation of each case, by id.</summary>
    public static Dictionary<string, double> MedianSeconds(IReadOnlyList<Case> cases, int warmupRounds, int rounds,
        TimeSpan minimumSample, Action<string>? progress = null) =>
        Samples(cases, warmupRounds, rounds, minimumSample, progress).ToDictionary(x => x.Key, x => Median(x.Value));

    /// <summary>The seconds per operation of each case in every timed round, in round order, by id.</summary>
    public static Dictionary<string, List<double>> Samples(IReadOnlyList<Case> cases, int warmupRounds, int rounds,
        TimeSpan minimumSample, Action<string>? progress = null)
    {
        var operationsPerSample = cases.Select(c => Calibrate(c.Operation, minimumSample)).ToArray();
        var samples = cases.Select(_ => new List<double>(rounds)).ToArray();
        for (var round = 0; round < warmupRounds + rounds; round++)
        {
            progress?.Invoke(round < warmupRounds ? $"warm-up round {round + 1} of {warmupRounds}" : $"round {round - warmupRounds + 1} of {rounds}");
            for (var i = 0; i < cases.Count; i++)
            {
                var seconds = Time(cases[i].Operation, operationsPerSample[i]) / operationsPerSample[i];
                if (round >= warmupRounds)
                {
                    samples[i].Add(seconds);
                }
            }
        }

        return cases.Select((c, i) => (c.Id, Samples: samples[i])).ToDictionary(x => x.Id, x => x.Samples);
    }

    /// <summary>The median over rounds of <paramref name="numerator"/>'s sample divided by <paramref name="denominator"/>'s
    /// in the same round: the two ran back to back, so a slow stretch of the machine that spans a round cancels out, where
    /// it may not between the two medians.</summary>
    public static double PairedRatio(IReadOnlyList<double> numerator, IReadOnlyList<double> denominator)
    {
        if (numerator.Count != denominator.Count)
        {
            throw new ArgumentException("the samples are not of the same rounds");
        }

        return Median(numerator.Select((n, i) => n / denominator[i]).ToArray());
    }

    /// <summary>Bytes this thread allocates per operation, over <paramref name="operations"/> operations after one
    /// unmeasured call.</summary>
    public static double BytesPerOperation(Action operation, int operations)
    {
        operation();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < operations; i++)
        {
            operation();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)operations;
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static int Calibrate(Action operation, TimeSpan minimumSample)
    {
        var operations = 1;
        while (true)
        {
            var seconds = Time(operation, operations);
            if (seconds >= minimumSample.TotalSeconds || operations >= 1 << 24)
            {
                return operations;
            }

            // Aim a little past the minimum so that noise does not leave samples just short of it.
            operations = (int)Math.Min(1 << 24, Math.Max(operations * 2L, (long)Math.Ceiling(operations * 1.2 * minimumSample.TotalSeconds / Math.Max(seconds, 1e-9))));
        }
    }

    private static double Time(Action operation, int operations)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < operations; i++)
        {
            operation();
        }

        return (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
    }
}
