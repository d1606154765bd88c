using System.Collections.Concurrent;
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
/// </summary>
internal sealed class MultiVersionState(IContractState storage, int expectedKeys)
{
    /// <summary>The version of a value read from committed state.</summary>
    public const long StorageVersion = 0;

    // Sized for the block up front: growing a concurrent dictionary takes every one of its locks.
    // Many lock stripes, so that two workers adding different keys rarely wait for each other.
    private readonly ConcurrentDictionary<byte[], KeyVersions> _keys = new(64, expectedKeys, ByteKeyEquality.Instance);

    /// <summary>A version names the writing transaction and incarnation; it never equals <see cref="StorageVersion"/>.</summary>
    public static long Version(int transaction, int incarnation) => ((long)(transaction + 1) << 32) | (uint)incarnation;

    public MultiVersionRead Read(byte[] key, int transaction)
    {
        if (_keys.TryGetValue(key, out var versions) && versions.Below(transaction) is { } entry)
        {
            return entry.Estimate
                ? new MultiVersionRead(null, 0, entry.Transaction)
                : new MultiVersionRead(entry.Value, Version(entry.Transaction, entry.Incarnation), -1);
        }

        return new MultiVersionRead(StateAccess.GetShared(storage, key), StorageVersion, -1);
    }

    /// <summary>The version <see cref="Read"/> would report, without reading committed state: what validation compares.</summary>
    public MultiVersionRead ReadVersion(byte[] key, int transaction)
    {
        if (_keys.TryGetValue(key, out var versions) && versions.Below(transaction) is { } entry)
        {
            return entry.Estimate
                ? new MultiVersionRead(null, 0, entry.Transaction)
                : new MultiVersionRead(null, Version(entry.Transaction, entry.Incarnation), -1);
        }

        return new MultiVersionRead(null, StorageVersion, -1);
    }

    public void Write(byte[] key, int transaction, int incarnation, byte[]? value) =>
        _keys.GetOrAdd(key, static _ => new KeyVersions()).Set(new Entry(transaction, incarnation, value, Estimate: false));

    public void MarkEstimate(byte[] key, int transaction)
    {
        if (_keys.TryGetValue(key, out var versions))
        {
            versions.MarkEstimate(transaction);
        }
    }

    public void Remove(byte[] key, int transaction)
    {
        if (_keys.TryGetValue(key, out var versions))
        {
            versions.Remove(transaction);
        }
    }

    /// <summary>After the block: the last write of every key (what the block commits).</summary>
    public IReadOnlyList<KeyValuePair<byte[], byte[]?>> FinalWrites()
    {
        var writes = new List<KeyValuePair<byte[], byte[]?>>(_keys.Count);
        foreach (var (key, versions) in _keys)
        {
            if (versions.Last() is { } entry)
            {
                writes.Add(new KeyValuePair<byte[], byte[]?>(key, entry.Value));
            }
        }

        return writes;
    }

    private readonly record struct Entry(int Transaction, int Incarnation, byte[]? Value, bool Estimate);

    /// <summary>The entries of one key, sorted by transaction. Most keys of a block have one writer, so the array
    /// starts at one entry; the object is its own lock.</summary>
    private sealed class KeyVersions
    {
        private Entry[] _entries = new Entry[1];
        private int _count;

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
