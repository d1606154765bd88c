namespace Tos.Tbpf.Host.Blocks;

/// <summary>
/// Whether a host's next block should try parallel execution, from how its recent blocks went. A parallel block that
/// falls back to serial has paid for executions that were thrown away (a block where every transaction increments one
/// counter aborts most of them); blocks of one chain tend to look alike, so after a fallback the next 2 blocks run
/// serially, after a second fallback in a row the next 4, doubling up to 64, and the first block that runs in parallel
/// without falling back resets the count. Only when a block runs, never what it returns: serial and parallel
/// execution give identical results. Not thread-safe: the host calls it under its commit lock.
/// </summary>
internal sealed class ContentionHistory
{
    private const int MaxDoublings = 6;
    private int _fallbacksInARow;
    private int _serialBlocksLeft;

    /// <summary>Whether the next block (of at least two transactions, given several threads) should run in parallel;
    /// counts a serial one against the back-off.</summary>
    public bool NextBlockParallel()
    {
        if (_serialBlocksLeft == 0)
        {
            return true;
        }

        _serialBlocksLeft--;
        return false;
    }

    /// <summary>Records how a parallel block went.</summary>
    public void Record(bool fellBackToSerial)
    {
        if (!fellBackToSerial)
        {
            _fallbacksInARow = 0;
            return;
        }

        _fallbacksInARow = Math.Min(_fallbacksInARow + 1, MaxDoublings);
        _serialBlocksLeft = 1 << _fallbacksInARow;
    }
}
