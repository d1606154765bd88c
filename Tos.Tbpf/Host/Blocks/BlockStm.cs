using Tos.Tbpf.State;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>
/// A block executed in parallel with Block-STM: workers take tasks from <see cref="BlockScheduler"/>, run transactions
/// over <see cref="MultiVersionState"/> (each reads the latest write of a lower transaction), record their read and
/// write sets, and validate them; a transaction whose reads changed runs again. The result of every transaction is
/// that of its last incarnation, which read exactly what the serial order gives it, so the results and the final writes
/// equal <see cref="SequentialBlock"/>'s whatever the thread count or timing.
/// <para>When most incarnations abort (every transaction touches one hot key, say), parallel execution only burns work:
/// once at least a third of the executions so far were aborted, the workers stop, the longest prefix whose reads still
/// validate is kept, and the rest of the block runs serially over it. This is a scheduling choice, not a semantic one:
/// results are identical.</para>
/// </summary>
internal sealed class BlockStm
{
    private readonly InvocationRunner _runner;
    private readonly IReadOnlyList<BlockCall> _calls;
    private readonly ParallelBlockOptions _options;
    private readonly MultiVersionState _state;
    private readonly BlockScheduler _scheduler;
    private readonly InvocationResult?[] _results;
    private readonly byte[][]?[] _writtenKeys;
    private readonly (byte[] Key, long Version)[]?[] _reads;
    private const int Closed = -1;
    private PaddedCounter _executions, _aborts;
    private int _helpers;
    private volatile bool _fallback;
    private Exception? _failure;
    private Dictionary<byte[], byte[]?>? _tail;

    private BlockStm(InvocationRunner runner, IContractState storage, IReadOnlyList<BlockCall> calls, ParallelBlockOptions options)
    {
        _runner = runner;
        _calls = calls;
        _options = options;
        // Sized for a few keys per transaction (a transfer writes two): 4 buckets per transaction, 32 KB for 1 000,
        // under the large object heap's 85 KB so that a block's table dies young with the block.
        _state = new MultiVersionState(storage, Math.Max(16, calls.Count * 2));
        _scheduler = new BlockScheduler(calls.Count);
        _results = new InvocationResult?[calls.Count];
        _writtenKeys = new byte[][]?[calls.Count];
        _reads = new (byte[], long)[]?[calls.Count];
    }

    public static BlockOutcome Execute(InvocationRunner runner, IContractState storage, IReadOnlyList<BlockCall> calls,
        HelperCrew helpers, ParallelBlockOptions? options = null)
    {
        var block = new BlockStm(runner, storage, calls, options ?? ParallelBlockOptions.Default);
        block.Run(helpers);
        return new BlockOutcome(block._results.Select(r => r!).ToArray(), block.FinalWrites(), (int)block._executions.Value,
            (int)block._aborts.Value, block._fallback);
    }

    private void Run(HelperCrew helpers)
    {
        // A helper that starts late, or never, costs nothing: this thread alone can finish the block, and it waits only
        // for helpers that did start.
        helpers.Assign(Help);

        Work();
        var wait = new SpinWait();
        while (Interlocked.CompareExchange(ref _helpers, Closed, 0) != 0)
        {
            wait.SpinOnce();
        }

        if (_failure is not null)
        {
            throw new InvalidOperationException($"a block worker failed: {_failure.Message}", _failure);
        }

        if (_fallback)
        {
            _tail = FinishSerially();
        }
    }

    private void Help()
    {
        while (true)
        {
            var running = Volatile.Read(ref _helpers);
            if (running == Closed)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _helpers, running + 1, running) == running)
            {
                break;
            }
        }

        try
        {
            Work();
        }
        finally
        {
            Interlocked.Decrement(ref _helpers);
        }
    }

    private void Work()
    {
        try
        {
            var task = BlockTask.None;
            var idle = new SpinWait();
            while (true)
            {
                // After a fallback, stop at once: a task left undone only shortens the prefix the serial tail keeps.
                if (_fallback)
                {
                    return;
                }

                switch (task.Kind)
                {
                    case BlockTaskKind.Execute:
                        task = Execute(task.Transaction, task.Incarnation);
                        continue;
                    case BlockTaskKind.Validate:
                        task = Validate(task.Transaction, task.Incarnation);
                        continue;
                }

                if (_scheduler.Done)
                {
                    return;
                }

                task = _scheduler.NextTask();
                if (task.Kind != BlockTaskKind.None)
                {
                    idle.Reset();
                }
                else
                {
                    // Another worker holds the next task for a moment: spin and yield, never sleep a whole millisecond.
                    idle.SpinOnce(sleep1Threshold: -1);
                }
            }
        }
        catch (Exception exception)
        {
            // Only a bug gets here (the runner turns contract failures into results); stop everyone and report it.
            Interlocked.CompareExchange(ref _failure, exception, null);
            _scheduler.Stop();
        }
    }

    private BlockTask Execute(int transaction, int incarnation)
    {
        while (true)
        {
            var source = new MultiVersionSource(_state, transaction);
            var overlay = new StateOverlay(source);
            // A read that meets an estimate stops the run at once (see IRunInterruption); its result is discarded.
            var result = _calls[transaction].Run(_runner, overlay);
            if (source.BlockedOn >= 0)
            {
                overlay.Recycle();
                CountAbort();
                if (_scheduler.AddDependency(transaction, source.BlockedOn))
                {
                    return BlockTask.None;
                }

                continue;
            }

            _results[transaction] = result;
            var wroteNewKey = Record(transaction, incarnation, overlay);
            overlay.Recycle();
            if (Interlocked.Increment(ref _executions.Value) >= _options.FallBackAfter)
            {
                _fallback = true;
            }

            return _scheduler.FinishExecution(transaction, incarnation, wroteNewKey);
        }
    }

    private BlockTask Validate(int transaction, int incarnation)
    {
        var aborted = !ReadsHold(transaction) && _scheduler.TryValidationAbort(transaction, incarnation);
        if (aborted)
        {
            // Later transactions that read these keys now wait for the next incarnation instead of reading stale values.
            foreach (var key in _writtenKeys[transaction] ?? [])
            {
                _state.MarkEstimate(key, transaction);
            }

            CountAbort();
        }

        return _scheduler.FinishValidation(transaction, aborted);
    }

    /// <summary>Puts an incarnation's writes in the multi-version state, removes what the previous one wrote and this
    /// one did not, and keeps its read set. True when it wrote a key the previous incarnation had not.</summary>
    private bool Record(int transaction, int incarnation, StateOverlay overlay)
    {
        var previous = _writtenKeys[transaction] ?? [];
        var keys = new byte[overlay.WriteCount][];
        var count = 0;
        var wroteNewKey = false;
        foreach (var (key, value) in overlay.UnorderedWrites)
        {
            _state.Write(key, transaction, incarnation, value);
            keys[count++] = key;
            wroteNewKey |= !Contains(previous, key);
        }

        foreach (var key in previous)
        {
            if (!Contains(keys, key))
            {
                _state.Remove(key, transaction);
            }
        }

        _writtenKeys[transaction] = keys;
        var reads = new (byte[] Key, long Version)[overlay.ReadCount];
        count = 0;
        foreach (var (key, read) in overlay.Reads)
        {
            reads[count++] = (key, read.Version);
        }

        _reads[transaction] = reads;
        return wroteNewKey;
    }

    private bool ReadsHold(int transaction)
    {
        foreach (var (key, version) in _reads[transaction] ?? [])
        {
            var now = _state.ReadVersion(key, transaction);
            if (now.IsDependency || now.Version != version)
            {
                return false;
            }
        }

        return true;
    }

    private void CountAbort()
    {
        var aborts = Interlocked.Increment(ref _aborts.Value);
        if (_options.SerialFallback && !_fallback && aborts >= _options.MinAborts && aborts * 3 >= Volatile.Read(ref _executions.Value))
        {
            _fallback = true;
        }
    }

    /// <summary>
    /// Runs after every worker has stopped. Keeps the longest prefix of executed transactions whose reads still hold (each
    /// checked against the final writes of the ones before it, so the prefix is exactly serial), drops everything the
    /// rest wrote, and runs the rest one after another in block order, as <see cref="SequentialBlock"/> does, over the
    /// prefix's writes. Returns the writes of that serial tail.
    /// </summary>
    private Dictionary<byte[], byte[]?> FinishSerially()
    {
        var kept = 0;
        while (kept < _calls.Count && _results[kept] is not null && _scheduler.IsExecuted(kept) && ReadsHold(kept))
        {
            kept++;
        }

        for (var transaction = kept; transaction < _calls.Count; transaction++)
        {
            foreach (var key in _writtenKeys[transaction] ?? [])
            {
                _state.Remove(key, transaction);
            }

            _writtenKeys[transaction] = null;
        }

        var tail = new Dictionary<byte[], byte[]?>((_calls.Count - kept) * 2, ByteKeyEquality.Instance);
        var source = new SerialTailSource(_state, kept, tail);
        for (var transaction = kept; transaction < _calls.Count; transaction++)
        {
            _results[transaction] = _calls[transaction].RunInto(_runner, source, tail);
        }

        return tail;
    }

    /// <summary>The last write of every key: the multi-version state's, with the serial tail's (if any) on top.</summary>
    private IReadOnlyList<KeyValuePair<byte[], byte[]?>> FinalWrites()
    {
        var writes = _state.FinalWrites();
        if (_tail is null)
        {
            return writes;
        }

        foreach (var (key, value) in writes)
        {
            _tail.TryAdd(key, value);
        }

        return [.. _tail];
    }

    private static bool Contains(byte[][] keys, byte[] key)
    {
        foreach (var candidate in keys)
        {
            if (candidate.AsSpan().SequenceEqual(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads for the serial tail: its own earlier writes, else the kept prefix's final writes (no estimates remain
    /// below <paramref name="kept"/>), else committed state.</summary>
    private sealed class SerialTailSource(MultiVersionState state, int kept, Dictionary<byte[], byte[]?> tail) : IStateSource
    {
        public VersionedValue Read(byte[] key)
        {
            if (tail.TryGetValue(key, out var written))
            {
                return new VersionedValue(written, 0);
            }

            var read = state.Read(key, kept);
            return new VersionedValue(read.Value, read.Version);
        }
    }

    /// <summary>Reads for one transaction. Meeting an estimate records the blocking transaction and returns a placeholder;
    /// the run stops at its next syscall boundary and is discarded (no exception: aborts are frequent under contention,
    /// and unwinding one would cost more than the transaction).</summary>
    private sealed class MultiVersionSource(MultiVersionState state, int transaction) : IStateSource
    {
        public int BlockedOn { get; private set; } = -1;

        public bool Blocked => BlockedOn >= 0;

        public VersionedValue Read(byte[] key)
        {
            var read = state.Read(key, transaction);
            if (read.IsDependency)
            {
                BlockedOn = read.BlockingTransaction;
                return new VersionedValue(null, MultiVersionState.StorageVersion);
            }

            return new VersionedValue(read.Value, read.Version);
        }
    }
}
