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
}
