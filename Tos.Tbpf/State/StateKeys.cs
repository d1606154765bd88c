namespace Tos.Tbpf.State;

/// <summary>The layout of the key space: a one-letter kind, then the identifiers. Each key is one allocation; the
/// span forms build a key on the caller's stack, for lookups that need no array.</summary>
public static class StateKeys
{
    /// <summary>The length of a balance key.</summary>
    public const int BalanceLength = 1 + 2 * Hash32.Length;

    /// <summary>The length of a storage key's prefix (kind and contract).</summary>
    public const int StoragePrefixLength = 1 + Hash32.Length;

    /// <summary>A deployed contract's code record (its ELF object and entry point).</summary>
    public static byte[] Code(Hash32 contract) => Key('c', contract, []);

    /// <summary>One storage entry of a contract.</summary>
    public static byte[] Storage(Hash32 contract, ReadOnlySpan<byte> key) => Key('s', contract, key);

    /// <summary>Writes the storage key of <paramref name="key"/> to <paramref name="destination"/>
    /// (<see cref="StoragePrefixLength"/> + its length bytes); returns the written part.</summary>
    public static Span<byte> Storage(Span<byte> destination, Hash32 contract, ReadOnlySpan<byte> key)
    {
        destination[0] = (byte)'s';
        contract.CopyTo(destination[1..]);
        key.CopyTo(destination[StoragePrefixLength..]);
        return destination[..(StoragePrefixLength + key.Length)];
    }

    /// <summary>The prefix of all a contract's storage.</summary>
    public static byte[] StoragePrefix(Hash32 contract) => Key('s', contract, []);

    /// <summary>An account's balance of an asset (u64 little-endian).</summary>
    public static byte[] Balance(Hash32 account, Hash32 asset)
    {
        var key = new byte[BalanceLength];
        Balance(key, account, asset);
        return key;
    }

    /// <summary>Writes the balance key to the first <see cref="BalanceLength"/> bytes of <paramref name="destination"/>.</summary>
    public static void Balance(Span<byte> destination, Hash32 account, Hash32 asset)
    {
        destination[0] = (byte)'b';
        account.CopyTo(destination[1..]);
        asset.CopyTo(destination[(1 + Hash32.Length)..]);
    }

    /// <summary>The prefix of all an account's balances.</summary>
    public static byte[] BalancePrefix(Hash32 account) => Key('b', account, []);

    /// <summary>An asset's record: its creator (32 bytes) then its name.</summary>
    public static byte[] Asset(Hash32 asset) => Key('a', asset, []);

    private static byte[] Key(char kind, Hash32 id, ReadOnlySpan<byte> tail)
    {
        var key = new byte[1 + Hash32.Length + tail.Length];
        key[0] = (byte)kind;
        id.CopyTo(key.AsSpan(1));
        tail.CopyTo(key.AsSpan(1 + Hash32.Length));
        return key;
    }
}
