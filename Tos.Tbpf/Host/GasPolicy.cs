namespace Tos.Tbpf.Host;

/// <summary>How the gas an invocation used is settled: the used units are split into a burned part and a part paid
/// (to the block producer, say); the node applies the split. Percentages are of the units used, rounded down for the
/// burned part, so <c>Burned + Paid == used</c> always.</summary>
/// <param name="BurnPercent">The share of used gas that is burned, 0 to 100.</param>
public sealed record GasPolicy(int BurnPercent = GasPolicy.DefaultBurnPercent)
{
    /// <summary>The default share burned.</summary>
    public const int DefaultBurnPercent = 30;

    /// <summary>The default policy: 30 % burned.</summary>
    public static GasPolicy Default { get; } = new();

    /// <summary>The percentage checked: 0 to 100.</summary>
    public int BurnPercent { get; } = BurnPercent is >= 0 and <= 100
        ? BurnPercent
        : throw new ArgumentOutOfRangeException(nameof(BurnPercent), BurnPercent, "a burn share is 0 to 100 percent");

    /// <summary>Splits <paramref name="used"/> units.</summary>
    public GasSettlement Settle(ulong used)
    {
        var burned = (ulong)((UInt128)used * (uint)BurnPercent / 100);
        return new GasSettlement(burned, used - burned);
    }
}

/// <summary>Used gas split by a <see cref="GasPolicy"/>.</summary>
/// <param name="Burned">Units burned.</param>
/// <param name="Paid">Units paid.</param>
public readonly record struct GasSettlement(ulong Burned, ulong Paid);
