using System.Text;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Host;

/// <summary>
/// The host side of one contract invocation, handed to the TOS syscalls as the run's host state: the state overlay,
/// which contract runs, the chain context, and what the run produced (logs, events, transfers). The lists are created
/// when first used, so an invocation that logs nothing allocates no log list.
/// </summary>
public sealed class Invocation(Hash32 contract, StateOverlay overlay, ChainContext chain) : Syscalls.IRunInterruption
{
    private List<byte[]>? _logs;
    private List<ContractEvent>? _events;
    private List<AssetTransfer>? _transfers;
    private SolanaRunState? _solana;

    /// <summary>The running contract (also its account).</summary>
    public Hash32 Contract { get; } = contract;

    /// <summary>The invocation's view of the state.</summary>
    public StateOverlay Overlay { get; } = overlay;

    /// <summary>The transaction and block.</summary>
    public ChainContext Chain { get; } = chain;

    /// <summary>Messages logged, in order.</summary>
    public List<byte[]> Logs => _logs ??= [];

    /// <summary>Events fired, in order.</summary>
    public List<ContractEvent> Events => _events ??= [];

    /// <summary>Asset movements, in order.</summary>
    public List<AssetTransfer> Transfers => _transfers ??= [];

    /// <summary>What the sol_* syscalls keep for the run (return data, the heap allocator), created when first used.</summary>
    public SolanaRunState Solana => _solana ??= new();

    /// <summary>True once the overlay has read a value that a parallel block is about to change: the run is speculative
    /// and will be discarded, so it stops after the current syscall.</summary>
    public bool StopRequested => Overlay.Blocked;

    /// <summary>The logs as text (invalid UTF-8 replaced).</summary>
    public IEnumerable<string> LogLines => Logs.Select(l => Encoding.UTF8.GetString(l));

    internal IReadOnlyList<byte[]> LogsSoFar => (IReadOnlyList<byte[]>?)_logs ?? [];

    internal IReadOnlyList<ContractEvent> EventsSoFar => (IReadOnlyList<ContractEvent>?)_events ?? [];

    internal IReadOnlyList<AssetTransfer> TransfersSoFar => (IReadOnlyList<AssetTransfer>?)_transfers ?? [];

    /// <summary>A stand-alone invocation over fresh in-memory state, for running one program outside a chain.</summary>
    public static Invocation Offline() => new(Hash32.Zero, new StateOverlay(new InMemoryContractState()), ChainContext.Offline);
}
