using RocksDbSharp;

namespace Tos.Tbpf.State;

/// <summary>State persisted in an embedded RocksDB database: survives restarts; each commit is one atomic write batch.</summary>
public sealed class RocksDbContractState : IContractState, IDisposable
{
    private readonly RocksDb _db;

    /// <summary>Opens (creating if needed) the database in <paramref name="folder"/>.</summary>
    public RocksDbContractState(string folder)
    {
        Directory.CreateDirectory(folder);
        _db = RocksDb.Open(new DbOptions().SetCreateIfMissing(true), folder);
        Folder = folder;
    }

    /// <summary>Where the database lives.</summary>
    public string Folder { get; }

    /// <inheritdoc />
    public byte[]? Get(ReadOnlySpan<byte> key) => _db.Get(key.ToArray());

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix)
    {
        var start = prefix.ToArray();
        var entries = new List<KeyValuePair<byte[], byte[]>>();
        using var iterator = _db.NewIterator();
        for (iterator.Seek(start); iterator.Valid() && iterator.Key().AsSpan().StartsWith(start); iterator.Next())
        {
            entries.Add(new KeyValuePair<byte[], byte[]>(iterator.Key(), iterator.Value()));
        }

        return entries;
    }

    /// <inheritdoc />
    public void Commit(IReadOnlyList<KeyValuePair<byte[], byte[]?>> changes)
    {
        using var batch = new WriteBatch();
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                batch.Delete(key);
            }
            else
            {
                batch.Put(key, value);
            }
        }

        _db.Write(batch, new WriteOptions().SetSync(true));
    }

    /// <inheritdoc />
    public Hash32 Digest()
    {
        // One iterator over a consistent snapshot, streamed into the hash without holding the whole state.
        using var snapshot = _db.CreateSnapshot();
        using var iterator = _db.NewIterator(readOptions: new ReadOptions().SetSnapshot(snapshot));
        return StateDigest.Compute(Entries(iterator));
    }

    private static IEnumerable<KeyValuePair<byte[], byte[]>> Entries(Iterator iterator)
    {
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            yield return new KeyValuePair<byte[], byte[]>(iterator.Key(), iterator.Value());
        }
    }

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();
}
