namespace Tos.Tbpf.Host.Blocks;

/// <summary>Which parallel executor runs a block, and how it behaves under contention (tests force each path).</summary>
/// <param name="SerialFallback">Whether a block whose transactions mostly conflict finishes serially.</param>
/// <param name="MinAborts">Conflicts (aborted runs) before the fallback may start.</param>
/// <param name="FallBackAfter">Fall back once this many runs have executed, contention or not (tests use it to take the
/// fallback path whatever the timing).</param>
/// <param name="BackOff">After a block fell back, run the next ones serially for a while (<see cref="ContentionHistory"/>).</param>
/// <param name="OrderedCommit">Execute with <see cref="OrderedCommitBlock"/> rather than <see cref="BlockStm"/>.</param>
internal sealed record ParallelBlockOptions(bool SerialFallback = true, int MinAborts = 4, int? FallBackAfter = null,
    bool BackOff = true, bool OrderedCommit = true)
{
    public static ParallelBlockOptions Default { get; } = new();
}
