namespace Tos.Tbpf.Host;

/// <summary>The per-run state of the Solana syscalls: the return data (<c>sol_set_return_data</c>) and the position
/// of <c>sol_alloc_free_</c>'s bump allocator in the heap.</summary>
public sealed class SolanaRunState
{
    /// <summary>The bytes the program last set as its return data (at most <see cref="SolanaSyscalls.MaxReturnData"/>).</summary>
    public byte[] ReturnData { get; internal set; } = [];

    /// <summary>Bytes of the heap the bump allocator has handed out.</summary>
    public ulong HeapUsed { get; internal set; }
}
