using System.Buffers.Binary;

namespace Tos.Tbpf.State;

/// <summary>
/// The changes of one invocation on top of what it reads: reads see the invocation's own writes, nothing reaches the
/// state until <see cref="Changes"/> is committed, and discarding the overlay undoes everything. It also records the
/// first value (and version) of every key it read from below, which is what validation checks before a commit: the
/// invocation is serializable at the commit point exactly when every recorded read still holds there.
/// <para>Keys may be looked up as spans (the syscalls build them on the stack); a key is copied into an array once,
/// when the overlay first records it. The host recycles an overlay's tables once it is done with them.</para>
/// </summary>
public sealed class StateOverlay
{
    private readonly IStateSource _source;
    private Dictionary<byte[], VersionedValue>? _reads;
    private Dictionary<byte[], byte[]?>? _writes;

    /// <summary>An overlay over committed <paramref name="state"/>.</summary>
    public StateOverlay(IContractState state) : this(new CommittedStateSource(state))
    {
    }

    internal StateOverlay(IStateSource source) => _source = source;

    /// <summary>The value at <paramref name="key"/> as this invocation sees it. A key is read from below at most once,
    /// so the invocation sees one consistent value for it however often it asks. The array must not be changed.</summary>
    public byte[]? Get(byte[] key) => Get(key, key);

    /// <summary>As <see cref="Get(byte[])"/>, for a key in a span.</summary>
    internal byte[]? Get(ReadOnlySpan<byte> key) => Get(key, null);

    /// <summary>Sets a value.</summary>
    public void Put(byte[] key, byte[] value) => Set(key, key, value);

    /// <summary>As <see cref="Put(byte[], byte[])"/>, for a key in a span.</summary>
    internal void Put(ReadOnlySpan<byte> key, byte[] value) => Set(key, null, value);

    /// <summary>Deletes a key.</summary>
    public void Delete(byte[] key) => Set(key, key, null);

    /// <summary>As <see cref="Delete(byte[])"/>, for a key in a span.</summary>
    internal void Delete(ReadOnlySpan<byte> key) => Set(key, null, null);

    /// <summary>A u64 value (0 when absent).</summary>
    public ulong GetU64(byte[] key) => GetU64(key.AsSpan());

    /// <summary>Sets a u64 value.</summary>
    public void PutU64(byte[] key, ulong value) => PutU64(key.AsSpan(), value);

    internal ulong GetU64(ReadOnlySpan<byte> key) =>
        Get(key) is { Length: 8 } value ? BinaryPrimitives.ReadUInt64LittleEndian(value) : 0;

    internal void PutU64(ReadOnlySpan<byte> key, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        Put(key, bytes);
    }

    /// <summary>Moves <paramref name="amount"/> of an asset between accounts; false (and no change) when the source has
    /// too little or the destination would overflow.</summary>
    public bool TryMove(Hash32 from, Hash32 to, Hash32 asset, ulong amount)
    {
        Span<byte> fromKey = stackalloc byte[StateKeys.BalanceLength];
        StateKeys.Balance(fromKey, from, asset);
        var balance = GetU64(fromKey);
        if (balance < amount)
        {
            return false;
        }

        if (from != to)
        {
            Span<byte> toKey = stackalloc byte[StateKeys.BalanceLength];
            StateKeys.Balance(toKey, to, asset);
            var destination = GetU64(toKey);
            if (destination + amount < destination)
            {
                return false;
            }

            PutU64(fromKey, balance - amount);
            PutU64(toKey, destination + amount);
        }

        return true;
    }

    /// <summary>The writes, in key order; a null value is a deletion.</summary>
    public IReadOnlyList<KeyValuePair<byte[], byte[]?>> Changes
    {
        get
        {
            if (_writes is null || _writes.Count == 0)
            {
                return [];
            }

            var changes = _writes.ToArray();
            Array.Sort(changes, (a, b) => ByteOrder.Instance.Compare(a.Key, b.Key));
            return changes;
        }
    }

    /// <summary>True when a read met a value that is about to change (in a parallel block): what this overlay saw since
    /// is not to be trusted, and its run will be discarded.</summary>
    internal bool Blocked => _source.Blocked;

    /// <summary>Keys read from below, with what they held.</summary>
    internal Dictionary<byte[], VersionedValue> Reads => _reads ?? OverlayTables.EmptyReads;

    /// <summary>The number of keys read from below.</summary>
    internal int ReadCount => _reads?.Count ?? 0;

    /// <summary>The number of keys written.</summary>
    internal int WriteCount => _writes?.Count ?? 0;

    /// <summary>The writes, unordered (a batch of distinct keys).</summary>
    internal Dictionary<byte[], byte[]?> UnorderedWrites => _writes ?? OverlayTables.EmptyWrites;

    /// <summary>The writes as a batch to commit, unordered.</summary>
    internal KeyValuePair<byte[], byte[]?>[] WriteBatch => _writes is { Count: > 0 } writes ? [.. writes] : [];

    /// <summary>Forgets every write (a failed invocation commits nothing) but keeps the reads, which still decided its outcome.</summary>
    internal void DiscardWrites() => _writes?.Clear();

    /// <summary>Gives the overlay's tables back for the next overlay on this thread; the overlay must not be used again.</summary>
    internal void Recycle()
    {
        OverlayTables.Return(ref _reads);
        OverlayTables.Return(ref _writes);
    }

    /// <summary>True when every key read still holds the value it had when read (compared by content).</summary>
    internal bool ReadsStillHold(IContractState state)
    {
        foreach (var (key, read) in Reads)
        {
            var now = StateAccess.GetShared(state, key);
            if (now is null ? read.Value is not null : read.Value is null || !now.AsSpan().SequenceEqual(read.Value))
            {
                return false;
            }
        }

        return true;
    }

    private byte[]? Get(ReadOnlySpan<byte> key, byte[]? keyArray)
    {
        if (_writes is not null && _writes.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var written))
        {
            return written;
        }

        var reads = _reads ??= OverlayTables.RentReads();
        var lookup = reads.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(key, out var read))
        {
            return read.Value;
        }

        keyArray ??= key.ToArray();
        var value = _source.Read(keyArray);
        reads[keyArray] = value;
        return value.Value;
    }

    private void Set(ReadOnlySpan<byte> key, byte[]? keyArray, byte[]? value)
    {
        var writes = _writes ??= OverlayTables.RentWrites();
        var lookup = writes.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(key, out var existing, out _))
        {
            writes[existing] = value;
            return;
        }

        // Share the array the read set already holds for this key rather than copying the key again.
        if (keyArray is null && _reads is not null && _reads.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var readKey, out _))
        {
            keyArray = readKey;
        }

        writes[keyArray ?? key.ToArray()] = value;
    }
}

/// <summary>A value read from below an overlay, and the version validation compares (0 for committed state, which
/// is compared by content; in a block, which transaction and incarnation wrote it).</summary>
internal readonly record struct VersionedValue(byte[]? Value, long Version);

/// <summary>Where an overlay reads what it has not written itself.</summary>
internal interface IStateSource
{
    VersionedValue Read(byte[] key);

    /// <summary>True once a read returned a placeholder because its value is about to change.</summary>
    bool Blocked => false;
}

/// <summary>Reads straight from committed state.</summary>
internal sealed class CommittedStateSource(IContractState state) : IStateSource
{
    public VersionedValue Read(byte[] key) => new(StateAccess.GetShared(state, key), 0);
}

/// <summary>
/// The overlays' hash tables, reused per thread: an invocation's read and write sets are small and short-lived, and
/// allocating them fresh for every invocation is most of what a host would otherwise allocate.
/// </summary>
internal static class OverlayTables
{
    private const int MaxPooledEntries = 1024;

    public static readonly Dictionary<byte[], VersionedValue> EmptyReads = new(ByteKeyEquality.Instance);
    public static readonly Dictionary<byte[], byte[]?> EmptyWrites = new(ByteKeyEquality.Instance);

    [ThreadStatic] private static Stack<Dictionary<byte[], VersionedValue>>? t_reads;
    [ThreadStatic] private static Stack<Dictionary<byte[], byte[]?>>? t_writes;

    public static Dictionary<byte[], VersionedValue> RentReads() =>
        t_reads is { Count: > 0 } pool ? pool.Pop() : new Dictionary<byte[], VersionedValue>(ByteKeyEquality.Instance);

    public static Dictionary<byte[], byte[]?> RentWrites() =>
        t_writes is { Count: > 0 } pool ? pool.Pop() : new Dictionary<byte[], byte[]?>(ByteKeyEquality.Instance);

    public static void Return(ref Dictionary<byte[], VersionedValue>? table) => Return(ref table, ref t_reads);

    public static void Return(ref Dictionary<byte[], byte[]?>? table) => Return(ref table, ref t_writes);

    private static void Return<TValue>(ref Dictionary<byte[], TValue>? table, ref Stack<Dictionary<byte[], TValue>>? pool)
    {
        if (table is null)
        {
            return;
        }

        // A table that grew large would hold its memory for good; let it go.
        if (table.Count <= MaxPooledEntries)
        {
            table.Clear();
            pool ??= new Stack<Dictionary<byte[], TValue>>();
            if (pool.Count < 4)
            {
                pool.Push(table);
            }
        }

        table = null;
    }
}
