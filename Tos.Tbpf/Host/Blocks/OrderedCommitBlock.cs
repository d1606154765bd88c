using Tos.Tbpf.State;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>
/// A block executed optimistically and committed in block order. Workers run transactions ahead over committed state
/// (which does not change during a block), each keeping the keys it read and the writes it made; the committing thread
/// walks the block in order, keeping the writes of the transactions before the current one in one table, as
/// <see cref="SequentialBlock"/> does. A run whose keys no earlier transaction of the block wrote read exactly what the
/// serial order gives it, so its result and writes are the serial ones and are taken as they are; any other is run
/// again over the block so far (re-executed, never merged). A transaction nobody has taken yet when its turn comes is
/// run there and then over the block so far. So results and state equal <see cref="SequentialBlock"/>'s whatever the
/// thread count or timing.
/// <para>Against <see cref="BlockStm"/> (the alternative, kept for comparison and behind the tests): no multi-version table,
/// no per-transaction scheduler state beyond one phase word, and a transaction's validation is a lookup per key it read
/// in a table the committer owns. What that gives up is parallel re-execution: a conflicting transaction runs again on
/// the committing thread. When conflicts are the rule (every transaction increments one counter), the workers stop
/// taking work once a third of the transactions checked so far conflicted, and the block finishes serially.</para>
/// </summary>
internal sealed class OrderedCommitBlock
{
    private const int Unclaimed = 0, Running = 1, Done = 2;

    // Consecutive transactions a worker takes at once: one shared increment per chunk, and neighbouring transactions'
    // slots (written by whoever ran them) mostly written by one core.
    private const int Chunk = 8;

    private readonly InvocationRunner _runner;
    private readonly IContractState _storage;
    private readonly IReadOnlyList<BlockCall> _calls;
    private readonly ParallelBlockOptions _options;
    private readonly CommittedStateSource _committed;
    private readonly int[] _phase;
    private readonly InvocationResult?[] _results;
    private readonly byte[][]?[] _reads;
    private readonly KeyValuePair<byte[], byte[]?>[]?[] _writes;
    private PaddedCounter _next;
    private volatile bool _stop;
    private Exception? _failure;

    private OrderedCommitBlock(InvocationRunner runner, IContractState storage, IReadOnlyList<BlockCall> calls, ParallelBlockOptions options)
    {
        _runner = runner;
        _storage = storage;
        _calls = calls;
        _options = options;
        _committed = new CommittedStateSource(storage);
        _phase = new int[calls.Count];
        _results = new InvocationResult?[calls.Count];
        _reads = new byte[][]?[calls.Count];
        _writes = new KeyValuePair<byte[], byte[]?>[]?[calls.Count];
    }

    public static BlockOutcome Execute(InvocationRunner runner, IContractState storage, IReadOnlyList<BlockCall> calls,
        HelperCrew helpers, ParallelBlockOptions? options = null)
    {
        var block = new OrderedCommitBlock(runner, storage, calls, options ?? ParallelBlockOptions.Default);
        // A helper that starts late, or never, costs nothing: the committing thread alone can finish the block.
        helpers.Assign(block.Help);
        try
        {
            return block.Commit();
        }
        finally
        {
            block._stop = true;
        }
    }

    /// <summary>A worker: takes chunks of transactions and runs the ones nobody has taken.</summary>
    private void Help()
    {
        try
        {
            while (!_stop)
            {
                var first = Interlocked.Add(ref _next.Value, Chunk) - Chunk;
                if (first >= _calls.Count)
                {
                    return;
                }

                var end = Math.Min(first + Chunk, _calls.Count);
                for (var transaction = (int)first; transaction < end && !_stop; transaction++)
                {
                    TryRunAhead(transaction);
                }
            }
        }
        catch (Exception exception)
        {
            // Only a bug gets here (the runner turns contract failures into results); the committer reports it.
            Interlocked.CompareExchange(ref _failure, exception, null);
            _stop = true;
        }
    }

    /// <summary>Runs <paramref name="transaction"/> over committed state if nobody has taken it.</summary>
    private void TryRunAhead(int transaction)
    {
        if (Interlocked.CompareExchange(ref _phase[transaction], Running, Unclaimed) != Unclaimed)
        {
            return;
        }

        var overlay = new StateOverlay(_committed);
        _results[transaction] = _calls[transaction].Run(_runner, overlay);
        var reads = new byte[overlay.ReadCount][];
        var count = 0;
        foreach (var key in overlay.Reads.Keys)
        {
            reads[count++] = key;
        }

        _reads[transaction] = reads;
        _writes[transaction] = overlay.WriteBatch;
        overlay.Recycle();
        Volatile.Write(ref _phase[transaction], Done);
    }

    private BlockOutcome Commit()
    {
        var count = _calls.Count;
        // Sized like SequentialBlock's table: a table that grows past 85 KB lands on the large object heap.
        var block = new Dictionary<byte[], byte[]?>(count * 2, ByteKeyEquality.Instance);
        var prefix = new BlockPrefixSource(_storage, block);
        var conflicts = 0;
        var fellBack = false;
        for (var transaction = 0; transaction < count; transaction++)
        {
            if (Interlocked.CompareExchange(ref _phase[transaction], Running, Unclaimed) == Unclaimed)
            {
                RunOverBlock(transaction, prefix, block);
            }
            else
            {
                AwaitRun(transaction);
                if (ReadsUntouched(_reads[transaction]!, block))
                {
                    foreach (var (key, value) in _writes[transaction]!)
                    {
                        block[key] = value;
                    }
                }
                else
                {
                    conflicts++;
                    RunOverBlock(transaction, prefix, block);
                }
            }

            _reads[transaction] = null;
            _writes[transaction] = null;
            if (!fellBack && ((_options.SerialFallback && conflicts >= _options.MinAborts && conflicts * 3 >= transaction + 1)
                || transaction + 1 + conflicts >= _options.FallBackAfter))
            {
                // The rest runs here, one after another: the workers finish what they hold and take nothing more.
                fellBack = true;
                _stop = true;
            }
        }

        return new BlockOutcome(_results.Select(r => r!).ToArray(), block.ToArray(), count + conflicts, conflicts, fellBack);
    }

    /// <summary>Waits for a worker's run of <paramref name="transaction"/>, running later ones meanwhile.</summary>
    private void AwaitRun(int transaction)
    {
        var wait = new SpinWait();
        while (Volatile.Read(ref _phase[transaction]) != Done)
        {
            if (_failure is { } failure)
            {
                throw new InvalidOperationException($"a block worker failed: {failure.Message}", failure);
            }

            var ahead = _stop ? _calls.Count : Interlocked.Increment(ref _next.Value) - 1;
            if (ahead < _calls.Count)
            {
                TryRunAhead((int)ahead);
                continue;
            }

            wait.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void RunOverBlock(int transaction, BlockPrefixSource prefix, Dictionary<byte[], byte[]?> block) =>
        _results[transaction] = _calls[transaction].RunInto(_runner, prefix, block);

    private static bool ReadsUntouched(byte[][] reads, Dictionary<byte[], byte[]?> block)
    {
        foreach (var key in reads)
        {
            if (block.ContainsKey(key))
            {
                return false;
            }
        }

        return true;
    }
}
