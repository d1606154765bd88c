namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// The random numbers of one compilation (blinding keys, no-op gaps): SplitMix64 from a seed drawn once. A blinded
/// constant needs a key, and <see cref="Random.Shared"/> costs a thread-local lookup and a range reduction per draw,
/// which was a sixth of compiling an arithmetic-heavy program; seeding a <see cref="Random"/> per compilation costs more
/// than compiling a small one. The keys only have to be unknown to the program's author, who never sees the code bytes:
/// the seed comes from the process's shared generator, or from <see cref="JitOptions.Seed"/> to reproduce a layout.
/// </summary>
internal sealed class HardeningRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A source seeded from <paramref name="seed"/>, or from <see cref="Random.Shared"/> when null.</summary>
    public static HardeningRandom Create(int? seed) =>
        new(seed is { } fixedSeed ? (ulong)(uint)fixedSeed : (ulong)Random.Shared.NextInt64() << 1 ^ (ulong)Random.Shared.NextInt64());

    /// <summary>64 random bits.</summary>
    public ulong NextBits()
    {
        var x = _state += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>A value in <c>[min, max)</c>; the bias of a 64-bit remainder over a range this small is immaterial.</summary>
    public int Next(int min, int max) => min + (int)(NextBits() % (ulong)(max - min));
}
