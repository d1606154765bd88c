using System.Runtime.CompilerServices;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>What a worker does next: execute or validate one incarnation of a transaction, or ask again.</summary>
internal readonly record struct BlockTask(BlockTaskKind Kind, int Transaction, int Incarnation)
{
    public static BlockTask None => default;

    public static BlockTask Execute(int transaction, int incarnation) => new(BlockTaskKind.Execute, transaction, incarnation);

    public static BlockTask Validate(int transaction, int incarnation) => new(BlockTaskKind.Validate, transaction, incarnation);
}

internal enum BlockTaskKind
{
    None,
    Execute,
    Validate,
}

/// <summary>
/// Block-STM's collaborative scheduler (Gelashvili et al., "Block-STM", PPoPP 2023, Algorithms 4–5): two shared
/// indexes hand out execution and validation tasks in block order; a validation that fails aborts the transaction,
/// which runs again with the next incarnation, and every later transaction is validated again. A transaction that
/// read an estimate of an aborted transaction waits as a dependent of it. The block is done when both indexes have
/// passed the end, no task is active, and no index went down meanwhile.
/// </summary>
internal sealed class BlockScheduler
{
    private readonly int _count;
    private readonly TransactionStatus[] _status;
    private PaddedCounter _executionIndex, _validationIndex, _decreases, _activeTasks;
    private volatile bool _done;

    public BlockScheduler(int count)
    {
        _count = count;
        _status = new TransactionStatus[count];
        for (var i = 0; i < count; i++)
        {
            _status[i] = new TransactionStatus();
        }
    }

    public bool Done => _done;

    /// <summary>Stops every worker at its next question (used when a worker fails or the block falls back to serial).</summary>
    public void Stop() => _done = true;

    /// <summary>Whether the latest incarnation of <paramref name="transaction"/> has executed (no re-run is pending).</summary>
    public bool IsExecuted(int transaction)
    {
        var status = _status[transaction];
        lock (status)
        {
            return status.Phase == Phase.Executed;
        }
    }

    public BlockTask NextTask()
    {
        if (Volatile.Read(ref _validationIndex.Value) < Volatile.Read(ref _executionIndex.Value) && !NextValidationIsStillExecuting())
        {
            if (NextToValidate() is { } validate)
            {
                return validate;
            }
        }
        else if (NextToExecute() is { } execute)
        {
            return execute;
        }

        return BlockTask.None;
    }

    /// <summary>Records that <paramref name="transaction"/> read an estimate written by <paramref name="blocking"/>.
    /// False when that dependency is already resolved (the caller executes again at once); true when the transaction
    /// now waits and will be handed out again once <paramref name="blocking"/> has executed.</summary>
    public bool AddDependency(int transaction, int blocking)
    {
        var blocker = _status[blocking];
        // Lock order: the lower transaction's lock first (a dependency always points down), so no cycle can form.
        lock (blocker)
        {
            if (blocker.Phase == Phase.Executed)
            {
                return false;
            }

            var status = _status[transaction];
            lock (status)
            {
                status.Phase = Phase.Aborting;
            }

            (blocker.Dependents ??= []).Add(transaction);
        }

        Interlocked.Decrement(ref _activeTasks.Value);
        return true;
    }

    /// <summary>An incarnation has executed and its writes are in the multi-version state. Returns the validation of it
    /// to run next, or none.</summary>
    public BlockTask FinishExecution(int transaction, int incarnation, bool wroteNewKey)
    {
        var status = _status[transaction];
        List<int>? dependents;
        lock (status)
        {
            status.Phase = Phase.Executed;
            dependents = status.Dependents;
            status.Dependents = null;
        }

        if (dependents is not null)
        {
            foreach (var dependent in dependents)
            {
                SetReady(dependent);
            }

            DecreaseExecutionIndex(dependents.Min());
        }

        var validation = Volatile.Read(ref _validationIndex.Value);
        if (validation == transaction && Interlocked.CompareExchange(ref _validationIndex.Value, transaction + 1, transaction) == transaction)
        {
            // This transaction is the next to validate: take its validation as NextTask would, but keep the active
            // task rather than giving it back and taking it again (two fewer atomics on lines every worker writes).
            return BlockTask.Validate(transaction, incarnation);
        }

        if (validation > transaction)
        {
            if (!wroteNewKey)
            {
                // Only this transaction's own reads need checking; the active task goes on as its validation.
                return BlockTask.Validate(transaction, incarnation);
            }

            // A key no earlier incarnation wrote may change what any later transaction read: validate them all again.
            DecreaseValidationIndex(transaction);
        }

        Interlocked.Decrement(ref _activeTasks.Value);
        return BlockTask.None;
    }

    /// <summary>Aborts the incarnation if it is still the executed one (only one failed validation aborts it).</summary>
    public bool TryValidationAbort(int transaction, int incarnation)
    {
        var status = _status[transaction];
        lock (status)
        {
            if (status.Phase == Phase.Executed && status.Incarnation == incarnation)
            {
                status.Phase = Phase.Aborting;
                return true;
            }

            return false;
        }
    }

    /// <summary>A validation ended; after an abort, returns the re-execution to run next if this worker may take it.</summary>
    public BlockTask FinishValidation(int transaction, bool aborted)
    {
        if (aborted)
        {
            SetReady(transaction);
            DecreaseValidationIndex(transaction + 1);
            if (Volatile.Read(ref _executionIndex.Value) > transaction && TryIncarnate(transaction) is { } execute)
            {
                return execute;
            }
        }

        Interlocked.Decrement(ref _activeTasks.Value);
        return BlockTask.None;
    }

    /// <summary>
    /// A hint, read without the lock: the next transaction to validate is still executing on another worker, and there is
    /// more to execute. Taking its validation now would only skip it (its own finish validates it), so executing the next
    /// transaction is the useful choice. Either choice keeps Block-STM's guarantees; this one avoids idle turns.
    /// </summary>
    private bool NextValidationIsStillExecuting()
    {
        var next = Volatile.Read(ref _validationIndex.Value);
        return next < _count && Volatile.Read(ref _executionIndex.Value) < _count
            && (Phase)Volatile.Read(ref Unsafe.As<Phase, int>(ref _status[next].Phase)) == Phase.Executing;
    }

    private BlockTask? NextToExecute()
    {
        if (Volatile.Read(ref _executionIndex.Value) >= _count)
        {
            CheckDone();
            return null;
        }

        Interlocked.Increment(ref _activeTasks.Value);
        var index = Interlocked.Increment(ref _executionIndex.Value) - 1;
        if (TryIncarnate(index) is { } task)
        {
            return task;
        }

        Interlocked.Decrement(ref _activeTasks.Value);
        return null;
    }

    private BlockTask? NextToValidate()
    {
        if (Volatile.Read(ref _validationIndex.Value) >= _count)
        {
            CheckDone();
            return null;
        }

        Interlocked.Increment(ref _activeTasks.Value);
        var index = Interlocked.Increment(ref _validationIndex.Value) - 1;
        if (index < _count)
        {
            var status = _status[index];
            lock (status)
            {
                if (status.Phase == Phase.Executed)
                {
                    return BlockTask.Validate((int)index, status.Incarnation);
                }
            }
        }

        Interlocked.Decrement(ref _activeTasks.Value);
        return null;
    }

    private BlockTask? TryIncarnate(long index)
    {
        if (index < _count)
        {
            var status = _status[index];
            lock (status)
            {
                if (status.Phase == Phase.ReadyToExecute)
                {
                    status.Phase = Phase.Executing;
                    return BlockTask.Execute((int)index, status.Incarnation);
                }
            }
        }

        return null;
    }

    private void SetReady(int transaction)
    {
        var status = _status[transaction];
        lock (status)
        {
            status.Incarnation++;
            status.Phase = Phase.ReadyToExecute;
        }
    }

    private void CheckDone()
    {
        var observed = Volatile.Read(ref _decreases.Value);
        if (Math.Min(Volatile.Read(ref _executionIndex.Value), Volatile.Read(ref _validationIndex.Value)) >= _count
            && Volatile.Read(ref _activeTasks.Value) == 0 && observed == Volatile.Read(ref _decreases.Value))
        {
            _done = true;
        }
    }

    private void DecreaseExecutionIndex(long target)
    {
        AtomicMin(ref _executionIndex.Value, target);
        Interlocked.Increment(ref _decreases.Value);
    }

    private void DecreaseValidationIndex(long target)
    {
        AtomicMin(ref _validationIndex.Value, target);
        Interlocked.Increment(ref _decreases.Value);
    }

    private static void AtomicMin(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private enum Phase
    {
        ReadyToExecute,
        Executing,
        Executed,
        Aborting,
    }

    /// <summary>One transaction's incarnation and phase; the object is its lock.</summary>
    private sealed class TransactionStatus
    {
        public int Incarnation;
        public Phase Phase;
        public List<int>? Dependents;
    }
}
