using System.Buffers.Binary;

namespace Tos.Tbpf.State;

/// <summary>
/// The changes of one invocation on top of the committed state: reads see the invocation's own writes, nothing
/// reaches the state until <see cref="Changes"/> is committed, and discarding the overlay undoes everything.
/// </summary>
public sealed class StateOverlay(IContractState state)
{
    private readonly SortedDictionary<byte[], byte[]?> _writes = new(ByteOrder.Instance);

    /// <summary>The value at <paramref name="key"/> as this invocation sees it.</summary>
    public byte[]? Get(byte[] key) => _writes.TryGetValue(key, out var value) ? value : state.Get(key);

    /// <summary>Sets a value.</summary>
    public void Put(byte[] key, byte[] value) => _writes[key] = value;

    /// <summary>Deletes a key.</summary>
    public void Delete(byte[] key) => _writes[key] = null;

    /// <summary>A u64 value (0 when absent).</summary>
    public ulong GetU64(byte[] key) => Get(key) is { Length: 8 } value ? BinaryPrimitives.ReadUInt64LittleEndian(value) : 0;

    /// <summary>Sets a u64 value.</summary>
    public void PutU64(byte[] key, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        Put(key, bytes);
    }

    /// <summary>Moves <paramref name="amount"/> of an asset between accounts; false (and no change) when the source has too little.</summary>
    public bool TryMove(Hash32 from, Hash32 to, Hash32 asset, ulong amount)
    {
        var fromKey = StateKeys.Balance(from, asset);
        var balance = GetU64(fromKey);
        if (balance < amount)
        {
            return false;
        }

        var toKey = StateKeys.Balance(to, asset);
        if (from != to)
        {
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
    public IReadOnlyList<KeyValuePair<byte[], byte[]?>> Changes => _writes.ToList();
}
