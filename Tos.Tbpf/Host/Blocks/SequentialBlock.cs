using Tos.Tbpf.State;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>What executing a block produced: each transaction's result, the writes to commit, and how it went
/// (executions include re-executions; aborts count failed validations and reads that met an estimate).</summary>
internal sealed record BlockOutcome(InvocationResult[] Results, IReadOnlyList<KeyValuePair<byte[], byte[]?>> Writes,
    int Executions, int Aborts, bool FellBackToSerial);

/// <summary>A block run one transaction after another in block order: the definition of a block's results, and the
/// one-thread path of <see cref="ContractHost.ExecuteBlock"/>.</summary>
internal static class SequentialBlock
{
    public static BlockOutcome Execute(InvocationRunner runner, IContractState state, IReadOnlyList<BlockCall> calls)
    {
        var block = new Dictionary<byte[], byte[]?>(ByteKeyEquality.Instance);
        var source = new BlockPrefixSource(state, block);
        var results = new InvocationResult[calls.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var overlay = new StateOverlay(source);
            results[i] = calls[i].Run(runner, overlay);
            foreach (var (key, value) in overlay.UnorderedWrites)
            {
                block[key] = value;
            }
        }

        return new BlockOutcome(results, Sorted(block), results.Length, 0, false);
    }

    public static IReadOnlyList<KeyValuePair<byte[], byte[]?>> Sorted(IEnumerable<KeyValuePair<byte[], byte[]?>> writes)
    {
        var sorted = writes.ToArray();
        Array.Sort(sorted, (a, b) => ByteOrder.Instance.Compare(a.Key, b.Key));
        return sorted;
    }

    /// <summary>Committed state with the writes of the block's earlier transactions on top.</summary>
    private sealed class BlockPrefixSource(IContractState state, Dictionary<byte[], byte[]?> block) : IStateSource
    {
        public VersionedValue Read(byte[] key) => new(block.TryGetValue(key, out var value) ? value : state.Get(key), 0);
    }
}
