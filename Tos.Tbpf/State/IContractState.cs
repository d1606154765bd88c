namespace Tos.Tbpf.State;

/// <summary>
/// The chain state contracts read and change, as one ordered key-value space (the node provides its own
/// implementation; <see cref="InMemoryContractState"/> and <see cref="RocksDbContractState"/> come with TBPF).
/// <see cref="StateKeys"/> lays out the keys. Changes arrive as one batch that must be applied atomically.
/// Implementations must be safe to call from several threads at once.
/// </summary>
public interface IContractState
{
    /// <summary>The value at <paramref name="key"/>, or null.</summary>
    byte[]? Get(ReadOnlySpan<byte> key);

    /// <summary>Every entry whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IReadOnlyList<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix);

    /// <summary>Applies a batch atomically: a null value deletes its key.</summary>
    void Commit(IReadOnlyList<KeyValuePair<byte[], byte[]?>> changes);

    /// <summary>The 32-byte digest of the whole contents, as <see cref="StateDigest"/> defines it: equal contents give
    /// equal digests, whatever the history.</summary>
    Hash32 Digest();
}
