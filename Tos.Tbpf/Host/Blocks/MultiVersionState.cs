using System.Numerics;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>What a transaction of a block reads for a key: a value and its version, or a dependency on an earlier
/// transaction whose write to the key is only an estimate (it was aborted and will run again).</summary>
internal readonly record struct MultiVersionRead(byte[]? Value, long Version, int BlockingTransaction)
{
    public bool IsDependency => BlockingTransaction >= 0;
}

/// <summary>
/// Block-STM's multi-version memory: for every key, the value written by each transaction's latest incarnation,
/// ordered by transaction index. Transaction <c>t</c> reads the write of the highest index below <c>t</c>, or the committed
/// state when there is none (committed state does not change during a block). Thread-safe: one lock per key.
/// <para>Keys live in a hash table made for a block: a fixed array of buckets sized from the block, each a chain that
/// only ever grows at its head by compare-and-swap (keys are never removed during a block, only their entries). A
/// lookup takes no lock and writes no shared memory, and adding a key touches one bucket: the general concurrent
/// dictionary this replaces took a lock stripe and bumped a shared count array on every add, which the two workers of
/// a block of transfers kept stealing from each other's caches.</para>
/// </summary>
internal sealed class MultiVersionState
{
    /// <summary>The version of a value read from committed state.</summary>
    public const long StorageVersion = 0;

    private readonly IContractState _storage;
    private readonly KeyVersions?[] _buckets;
    private readonly int _mask;

    /// <summary>A table for about <paramref name="expectedKeys"/> keys (more still work, in longer chains).</summary>
    public MultiVersionState(IContractState storage, int expectedKeys)
    {
        _storage = storage;
        // Two buckets per expected key keeps chains short; the bound keeps a huge block from asking for a huge array
        // up front (its chains grow instead).
        var buckets = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(expectedKeys * 2, 16, 1 << 22));
        _buckets = new KeyVersions?[buckets];
        _mask = buckets - 1;
    }

    /// <summary>A version names the writing transaction and incarnation; it never equals <see cref="StorageVersion"/>.</summary>
    public static long Version(int transaction, int incarnation) => ((long)(transaction + 1) << 32) | (uint)incarnation;

    public MultiVersionRead Read(byte[] key, int transaction)
    {
        if (Find(key, ByteKeyEquality.Instance.GetHashCode(key))?.Below(transaction) is { } entry)
        {
            return entry.Estimate
                ? new MultiVersionRead(null, 0, entry.Transaction)
                : new MultiVersionRead(entry.Value, Version(entry.Transaction, entry.Incarnation), -1);
        }

        return new MultiVersionRead(StateAccess.GetShared(_storage, key), StorageVersion, -1);
    }

    /// <summary>The version <see cref="Read"/> would report, without reading committed state: what validation compares.</summary>
    public MultiVersionRead ReadVersion(byte[] key, int transaction)
    {
        if (Find(key, ByteKeyEquality.Instance.GetHashCode(key))?.Below(transaction) is { } entry)
        {
            return entry.Estimate
                ? new MultiVersionRead(null, 0, entry.Transaction)
                : new MultiVersionRead(null, Version(entry.Transaction, entry.Incarnation), -1);
        }

        return new MultiVersionRead(null, StorageVersion, -1);
    }

    public void Write(byte[] key, int transaction, int incarnation, byte[]? value) =>
        GetOrAdd(key).Set(new Entry(transaction, incarnation, value, Estimate: false));

    public void MarkEstimate(byte[] key, int transaction) =>
        Find(key, ByteKeyEquality.Instance.GetHashCode(key))?.MarkEstimate(transaction);

    public void Remove(byte[] key, int transaction) =>
        Find(key, ByteKeyEquality.Instance.GetHashCode(key))?.Remove(transaction);

    /// <summary>After the block, once every worker has stopped: the last write of every key (what the block commits).</summary>
    public IReadOnlyList<KeyValuePair<byte[], byte[]?>> FinalWrites()
    {
        var writes = new List<KeyValuePair<byte[], byte[]?>>();
        foreach (var head in _buckets)
        {
            for (var versions = head; versions is not null; versions = versions.Next)
            {
                if (versions.Last() is { } entry)
                {
                    writes.Add(new KeyValuePair<byte[], byte[]?>(versions.Key, entry.Value));
                }
            }
        }

        return writes;
    }

    private KeyVersions? Find(byte[] key, int hash)
    {
        for (var versions = Volatile.Read(ref _buckets[hash & _mask]); versions is not null; versions = versions.Next)
        {
            if (versions.Hash == hash && versions.Key.AsSpan().SequenceEqual(key))
            {
                return versions;
            }
        }

        return null;
    }

    private KeyVersions GetOrAdd(byte[] key)
    {
        var hash = ByteKeyEquality.Instance.GetHashCode(key);
        ref var bucket = ref _buckets[hash & _mask];
        KeyVersions? added = null;
        while (true)
        {
            var head = Volatile.Read(ref bucket);
            for (var versions = head; versions is not null; versions = versions.Next)
            {
                if (versions.Hash == hash && versions.Key.AsSpan().SequenceEqual(key))
                {
                    return versions;
                }
            }

            // Publish a new head only if nobody else did meanwhile; else look again (they may have added this key).
            added ??= new KeyVersions(key, hash);
            added.Next = head;
            if (Interlocked.CompareExchange(ref bucket, added, head) == head)
            {
                return added;
            }
        }
    }

    private readonly record struct Entry(int Transaction, int Incarnation, byte[]? Value, bool Estimate);

    /// <summary>One key of the table and its entries, sorted by transaction. Most keys of a block have one writer, so
    /// the array starts at one entry; the object is its own lock. <see cref="Next"/> is set once, before the object is
    /// published.</summary>
    private sealed class KeyVersions(byte[] key, int hash)
    {
        private Entry[] _entries = new Entry[1];
        private int _count;

        public byte[] Key { get; } = key;

        public int Hash { get; } = hash;

        public KeyVersions? Next { get; set; }

        public Entry? Below(int transaction)
        {
            lock (this)
            {
                var at = Find(transaction);
                var below = at >= 0 ? at - 1 : ~at - 1;
                return below >= 0 ? _entries[below] : null;
            }
        }

        public Entry? Last()
        {
            lock (this)
            {
                return _count > 0 ? _entries[_count - 1] : null;
            }
        }

        public void Set(Entry entry)
        {
            lock (this)
            {
                var at = Find(entry.Transaction);
                if (at >= 0)
                {
                    _entries[at] = entry;
                    return;
                }

                at = ~at;
                if (_count == _entries.Length)
                {
                    Array.Resize(ref _entries, _count * 2);
                }

                Array.Copy(_entries, at, _entries, at + 1, _count - at);
                _entries[at] = entry;
                _count++;
            }
        }

        public void MarkEstimate(int transaction)
        {
            lock (this)
            {
                var at = Find(transaction);
                if (at >= 0)
                {
                    _entries[at] = _entries[at] with { Estimate = true };
                }
            }
        }

        public void Remove(int transaction)
        {
            lock (this)
            {
                var at = Find(transaction);
                if (at >= 0)
                {
                    Array.Copy(_entries, at + 1, _entries, at, _count - at - 1);
                    _entries[--_count] = default;
                }
            }
        }

        // Binary search by transaction: the index, or the complement of where it would go.
        private int Find(int transaction)
        {
            int low = 0, high = _count - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var at = _entries[middle].Transaction;
                if (at == transaction)
                {
                    return middle;
                }

                if (at < transaction)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return ~low;
        }
    }
}
