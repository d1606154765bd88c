namespace Tos.Tbpf.Jit;

/// <summary>How the JIT compiles. The defaults are what the node runs: metering on, hardening on.</summary>
/// <param name="Metering">Charge compute units inline. Off only for measuring the metering's own cost:
/// without it a run cannot stop on its budget and reports 0 units.</param>
/// <param name="BlindConstants">Emit no user-supplied 32/64-bit immediate verbatim: each is XOR-split with a random key.</param>
/// <param name="NopInsertion">Insert random no-ops between instructions, so code layout is not predictable.</param>
/// <param name="Seed">Seeds the hardening randomness; null draws a fresh seed per compilation.</param>
public sealed record JitOptions(bool Metering = true, bool BlindConstants = true, bool NopInsertion = true, int? Seed = null)
{
    /// <summary>Metering and hardening on.</summary>
    public static JitOptions Default { get; } = new();

    /// <summary>
    /// For measurements only (the benchmarks): bytes of filler between the entry sequence and the program's code, which
    /// moves every instruction by that much. How fast a loop runs depends on where its branches land: on one host the
    /// same collatz code took 36 to 50 ms depending on this shift alone, more than the metering or hardening costs the
    /// benchmarks compare, so they time each variant at several shifts. 0 to <see cref="MaxLayoutShift"/>.
    /// </summary>
    internal int LayoutShift
    {
        get;
        init => field = value is >= 0 and <= MaxLayoutShift ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"0 to {MaxLayoutShift}");
    }

    /// <summary>The largest <see cref="LayoutShift"/>: a cache line's worth covers every alignment that matters.</summary>
    internal const int MaxLayoutShift = 64;

    /// <summary>For the tests only: whether windowed loads and stores are copied from whole-sequence templates (the
    /// default) or emitted form by form, which must give the same code byte for byte.</summary>
    internal bool AccessTemplates { get; init; } = true;
}
