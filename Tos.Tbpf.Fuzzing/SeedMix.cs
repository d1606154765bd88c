namespace Tos.Tbpf.Fuzzing;

/// <summary>
/// Derives the seeds of a fuzzing session's workers and programs from the session's seed, the same in every process.
/// </summary>
/// <remarks>
/// <see cref="HashCode"/> is salted per process, so seeds derived with it made two runs of one session seed test
/// different programs, and a finding CI reported could not be replayed. This is SplitMix64's finaliser instead.
/// </remarks>
public static class SeedMix
{
    /// <summary>A 32-bit seed for item <paramref name="index"/> of worker <paramref name="worker"/> in session <paramref name="seed"/>.</summary>
    public static int Derive(int seed, int worker, long index)
    {
        var x = ((ulong)(uint)seed << 32 | (uint)worker) * 0x9E3779B97F4A7C15UL + (ulong)index;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return (int)(x ^ (x >> 31));
    }
}
