using Tos.Tbpf.State;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>What executing a block produced: each transaction's result, the writes to commit (distinct keys, so their
/// order does not matter to the batch), and how it went
/// (executions include re-executions; aborts count failed validations and reads that met an estimate; parallel when it
/// ran on several workers, whether or not it then fell back to serial).</summary>
internal sealed record BlockOutcome(InvocationResult[] Results, IReadOnlyList<KeyValuePair<byte[], byte[]?>> Writes,
    int Executions, int Aborts, bool FellBackToSerial, bool Parallel = true);

/// <summary>A block run one transaction after another in block order: the definition of a block's results, and the
/// one-thread path of <see cref="ContractHost.ExecuteBlock"/>.</summary>
internal static class SequentialBlock
{
    public static BlockOutcome Execute(InvocationRunner runner, IContractState state, IReadOnlyList<BlockCall> calls)
    {
        // Sized like the parallel path's table: a table that grows past 85 KB lands on the large object heap.
        var block = new Dictionary<byte[], byte[]?>(calls.Count * 2, ByteKeyEquality.Instance);
        var source = new BlockPrefixSource(state, block);
        var results = new InvocationResult[calls.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = calls[i].RunInto(runner, source, block);
        }

        return new BlockOutcome(results, block.ToArray(), results.Length, 0, false, Parallel: false);
    }
}

/// <summary>Committed state with the writes of the block's earlier transactions on top.</summary>
internal sealed class BlockPrefixSource(IContractState state, Dictionary<byte[], byte[]?> block) : IStateSource
{
    public VersionedValue Read(byte[] key) =>
        new(block.TryGetValue(key, out var value) ? value : StateAccess.GetShared(state, key), 0);
}
