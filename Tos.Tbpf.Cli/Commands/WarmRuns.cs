using System.Diagnostics;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// Timing for the commands that report speed (<c>bench</c>, <c>report</c>): a run on memory prepared outside the timed
/// part, and medians after unmeasured calls, so that compile and first-call costs (.NET's own JIT, cold caches) never
/// count as run time.
/// </summary>
internal static class WarmRuns
{
    /// <summary>One run on freshly prepared memory (zeroed stack and heap, a copy of the input); only the engine's run
    /// is timed. <paramref name="host"/> receives the run's logs, events and transfers.</summary>
    public static (ExecutionResult Result, double Seconds) Run(IEngine engine, VerifiedExecutable program, byte[] input, ulong budget,
        Invocation? host = null)
    {
        var memory = InvocationMemoryPool.Rent();
        try
        {
            var map = memory.Prepare(program.Executable, input, host ?? Invocation.Offline());
            var start = Stopwatch.GetTimestamp();
            var result = engine.Run(program, map, budget, memory.Syscalls);
            return (result, SecondsSince(start));
        }
        finally
        {
            InvocationMemoryPool.Return(memory);
        }
    }

    /// <summary>The sorted run times of <paramref name="runs"/> runs after <paramref name="warmup"/> unmeasured ones.</summary>
    public static double[] RunTimes(IEngine engine, VerifiedExecutable program, byte[] input, ulong budget, int warmup, int runs)
    {
        for (var i = 0; i < warmup; i++)
        {
            Run(engine, program, input, budget);
        }

        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            times[i] = Run(engine, program, input, budget).Seconds;
        }

        Array.Sort(times);
        return times;
    }

    /// <summary>The median of <paramref name="samples"/> timings of <paramref name="action"/> after one unmeasured call.</summary>
    public static double MedianSeconds(Action action, int samples = 5)
    {
        action();
        var times = new double[samples];
        for (var i = 0; i < times.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            times[i] = SecondsSince(start);
        }

        return Median(times);
    }

    // Not Stopwatch.GetElapsedTime: a TimeSpan rounds to 100 ns, coarser than a short run.
    private static double SecondsSince(long start) => (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;

    /// <summary>The median of <paramref name="sorted"/> (sorted in place).</summary>
    public static double Median(double[] sorted)
    {
        Array.Sort(sorted);
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
