using System.Buffers.Binary;

namespace Tos.Tbpf.State;

/// <summary>
/// The changes of one invocation on top of what it reads: reads see the invocation's own writes, nothing reaches the
/// state until <see cref="Changes"/> is committed, and discarding the overlay undoes everything. It also records the
/// first value (and version) of every key it read from below, which is what validation checks before a commit: the
/// invocation is serializable at the commit point exactly when every recorded read still holds there.
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
    /// so the invocation sees one consistent value for it however often it asks.</summary>
    public byte[]? Get(byte[] key)
    {
        if (_writes is not null && _writes.TryGetValue(key, out var written))
        {
            return written;
        }

        if (_reads is not null && _reads.TryGetValue(key, out var read))
        {
            return read.Value;
        }

        var value = _source.Read(key);
        (_reads ??= new Dictionary<byte[], VersionedValue>(ByteKeyEquality.Instance))[key] = value;
        return value.Value;
    }

    /// <summary>Sets a value.</summary>
    public void Put(byte[] key, byte[] value) => Writes[key] = value;

    /// <summary>Deletes a key.</summary>
    public void Delete(byte[] key) => Writes[key] = null;

    /// <summary>A u64 value (0 when absent).</summary>
    public ulong GetU64(byte[] key) => Get(key) is { Length: 8 } value ? BinaryPrimitives.ReadUInt64LittleEndian(value) : 0;

    /// <summary>Sets a u64 value.</summary>
    public void PutU64(byte[] key, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        Put(key, bytes);
    }

    /// <summary>Moves <paramref name="amount"/> of an asset between accounts; false (and no change) when the source has
    /// too little or the destination would overflow.</summary>
    public bool TryMove(Hash32 from, Hash32 to, Hash32 asset, ulong amount)
    {
        var fromKey = StateKeys.Balance(from, asset);
        var balance = GetU64(fromKey);
        if (balance < amount)
        {
            return false;
        }

        if (from != to)
        {
            var toKey = StateKeys.Balance(to, asset);
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

    /// <summary>Keys read from below, with what they held.</summary>
    internal IEnumerable<KeyValuePair<byte[], VersionedValue>> Reads =>
        _reads ?? Enumerable.Empty<KeyValuePair<byte[], VersionedValue>>();

    /// <summary>The number of keys written.</summary>
    internal int WriteCount => _writes?.Count ?? 0;

    /// <summary>The writes, unordered.</summary>
    internal IEnumerable<KeyValuePair<byte[], byte[]?>> UnorderedWrites =>
        _writes ?? Enumerable.Empty<KeyValuePair<byte[], byte[]?>>();

    /// <summary>Forgets every write (a failed invocation commits nothing) but keeps the reads, which still decided its outcome.</summary>
    internal void DiscardWrites() => _writes?.Clear();

    /// <summary>True when every key read still holds the value it had when read (compared by content).</summary>
    internal bool ReadsStillHold(IContractState state)
    {
        foreach (var (key, read) in Reads)
        {
            var now = state.Get(key);
            if (now is null ? read.Value is not null : read.Value is null || !now.AsSpan().SequenceEqual(read.Value))
            {
                return false;
            }
        }

        return true;
    }

    private Dictionary<byte[], byte[]?> Writes => _writes ??= new Dictionary<byte[], byte[]?>(ByteKeyEquality.Instance);
}

/// <summary>A value read from below an overlay, and the version validation compares (0 for committed state, which
/// is compared by content; in a block, which transaction and incarnation wrote it).</summary>
internal readonly record struct VersionedValue(byte[]? Value, long Version);

/// <summary>Where an overlay reads what it has not written itself.</summary>
internal interface IStateSource
{
    VersionedValue Read(byte[] key);
}

/// <summary>Reads straight from committed state.</summary>
internal sealed class CommittedStateSource(IContractState state) : IStateSource
{
    public VersionedValue Read(byte[] key) => new(state.Get(key), 0);
}
