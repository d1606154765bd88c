namespace Tos.Tbpf.State;

/// <summary>State in a sorted dictionary, for tests and one-off runs. Thread-safe.</summary>
public sealed class InMemoryContractState : IContractState
{
    private readonly SortedDictionary<byte[], byte[]> _entries = new(ByteOrder.Instance);
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key.ToArray(), out var value) ? value.ToArray() : null;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix)
    {
        var start = prefix.ToArray();
        lock (_lock)
        {
            return _entries.Where(e => e.Key.AsSpan().StartsWith(start))
                .Select(e => new KeyValuePair<byte[], byte[]>(e.Key.ToArray(), e.Value.ToArray())).ToList();
        }
    }

    /// <inheritdoc />
    public void Commit(IReadOnlyList<KeyValuePair<byte[], byte[]?>> changes)
    {
        lock (_lock)
        {
            foreach (var (key, value) in changes)
            {
                if (value is null)
                {
                    _entries.Remove(key);
                }
                else
                {
                    _entries[key.ToArray()] = value.ToArray();
                }
            }
        }
    }

    /// <inheritdoc />
    public Hash32 Digest()
    {
        lock (_lock)
        {
            return StateDigest.Compute(_entries);
        }
    }

    /// <summary>An independent copy (tests give each engine its own).</summary>
    public InMemoryContractState Clone()
    {
        var copy = new InMemoryContractState();
        lock (_lock)
        {
            copy.Commit(_entries.Select(e => new KeyValuePair<byte[], byte[]?>(e.Key, e.Value)).ToList());
        }

        return copy;
    }
}
