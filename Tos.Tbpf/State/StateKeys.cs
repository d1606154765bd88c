namespace Tos.Tbpf.State;

/// <summary>The layout of the key space: a one-letter kind, then the identifiers. Each key is one allocation.</summary>
public static class StateKeys
{
    /// <summary>A deployed contract's code record (its ELF object and entry point).</summary>
    public static byte[] Code(Hash32 contract) => Key('c', contract, default, false, []);

    /// <summary>One storage entry of a contract.</summary>
    public static byte[] Storage(Hash32 contract, ReadOnlySpan<byte> key) => Key('s', contract, default, false, key);

    /// <summary>The prefix of all a contract's storage.</summary>
    public static byte[] StoragePrefix(Hash32 contract) => Key('s', contract, default, false, []);

    /// <summary>An account's balance of an asset (u64 little-endian).</summary>
    public static byte[] Balance(Hash32 account, Hash32 asset) => Key('b', account, asset, true, []);

    /// <summary>The prefix of all an account's balances.</summary>
    public static byte[] BalancePrefix(Hash32 account) => Key('b', account, default, false, []);

    /// <summary>An asset's record: its creator (32 bytes) then its name.</summary>
    public static byte[] Asset(Hash32 asset) => Key('a', asset, default, false, []);

    private static byte[] Key(char kind, Hash32 first, Hash32 second, bool withSecond, ReadOnlySpan<byte> tail)
    {
        var key = new byte[1 + Hash32.Length + (withSecond ? Hash32.Length : 0) + tail.Length];
        key[0] = (byte)kind;
        first.CopyTo(key.AsSpan(1));
        var at = 1 + Hash32.Length;
        if (withSecond)
        {
            second.CopyTo(key.AsSpan(at));
            at += Hash32.Length;
        }

        tail.CopyTo(key.AsSpan(at));
        return key;
    }
}
