namespace Tos.Tbpf.State;

/// <summary>The layout of the key space: a one-letter kind, then the identifiers.</summary>
public static class StateKeys
{
    /// <summary>A deployed contract's ELF object.</summary>
    public static byte[] Code(Hash32 contract) => [(byte)'c', .. contract.ToBytes()];

    /// <summary>One storage entry of a contract.</summary>
    public static byte[] Storage(Hash32 contract, ReadOnlySpan<byte> key) => [(byte)'s', .. contract.ToBytes(), .. key];

    /// <summary>The prefix of all a contract's storage.</summary>
    public static byte[] StoragePrefix(Hash32 contract) => [(byte)'s', .. contract.ToBytes()];

    /// <summary>An account's balance of an asset (u64 little-endian).</summary>
    public static byte[] Balance(Hash32 account, Hash32 asset) => [(byte)'b', .. account.ToBytes(), .. asset.ToBytes()];

    /// <summary>The prefix of all an account's balances.</summary>
    public static byte[] BalancePrefix(Hash32 account) => [(byte)'b', .. account.ToBytes()];

    /// <summary>An asset's record: its creator (32 bytes) then its name.</summary>
    public static byte[] Asset(Hash32 asset) => [(byte)'a', .. asset.ToBytes()];
}
