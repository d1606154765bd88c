using System.Collections.Concurrent;

namespace Tos.Tbpf.State;

/// <summary>
/// State in memory, for tests, benchmarks and one-off runs. Thread-safe. Point reads never block and never write
/// shared memory (so parallel readers do not slow each other); a commit is atomic for other commits, for
/// <see cref="Scan"/> and for <see cref="Digest"/>, while a concurrent point read sees each key either before or after it.
/// The key order that scans and digests need is built on demand and kept until a commit adds or removes a key.
/// </summary>
public sealed class InMemoryContractState : IContractState, ISharedArrayState
{
    private readonly ConcurrentDictionary<byte[], byte[]> _entries = new(ByteKeyEquality.Instance);
    private readonly Lock _lock = new();
    private byte[][]? _sortedKeys;

    /// <inheritdoc />
    public byte[]? Get(ReadOnlySpan<byte> key) =>
        _entries.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var value) ? value.ToArray() : null;

    byte[]? ISharedArrayState.GetShared(ReadOnlySpan<byte> key) =>
        _entries.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var value) ? value : null;

    void ISharedArrayState.CommitOwned(IReadOnlyList<KeyValuePair<byte[], byte[]?>> changes) => Apply(changes, copy: false);

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix)
    {
        var entries = new List<KeyValuePair<byte[], byte[]>>();
        lock (_lock)
        {
            var keys = SortedKeys();
            // The first key not below the prefix, then every key that starts with it.
            for (var at = LowerBound(keys, prefix); at < keys.Length && keys[at].AsSpan().StartsWith(prefix); at++)
            {
                entries.Add(new KeyValuePair<byte[], byte[]>(keys[at].ToArray(), _entries[keys[at]].ToArray()));
            }
        }

        return entries;
    }

    /// <inheritdoc />
    public void Commit(IReadOnlyList<KeyValuePair<byte[], byte[]?>> changes) => Apply(changes, copy: true);

    /// <inheritdoc />
    public Hash32 Digest()
    {
        lock (_lock)
        {
            return StateDigest.Compute(SortedKeys().Select(k => new KeyValuePair<byte[], byte[]>(k, _entries[k])));
        }
    }

    /// <summary>An independent copy (tests give each engine its own).</summary>
    public InMemoryContractState Clone()
    {
        var copy = new InMemoryContractState();
        lock (_lock)
        {
            foreach (var (key, value) in _entries)
            {
                copy._entries[key] = value;
            }
        }

        return copy;
    }

    private void Apply(IReadOnlyList<KeyValuePair<byte[], byte[]?>> changes, bool copy)
    {
        lock (_lock)
        {
            foreach (var (key, value) in changes)
            {
                if (value is null)
                {
                    if (_entries.TryRemove(key, out _))
                    {
                        _sortedKeys = null;
                    }

                    continue;
                }

                var stored = copy ? value.ToArray() : value;
                if (_entries.TryGetValue(key, out _))
                {
                    _entries[key] = stored;
                }
                else
                {
                    _entries[copy ? key.ToArray() : key] = stored;
                    _sortedKeys = null;
                }
            }
        }
    }

    private byte[][] SortedKeys()
    {
        if (_sortedKeys is null)
        {
            _sortedKeys = [.. _entries.Keys];
            Array.Sort(_sortedKeys, ByteOrder.Instance);
        }

        return _sortedKeys;
    }

    private static int LowerBound(byte[][] keys, ReadOnlySpan<byte> key)
    {
        int low = 0, high = keys.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (keys[middle].AsSpan().SequenceCompareTo(key) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
