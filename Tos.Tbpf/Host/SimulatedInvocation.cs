using Tos.Tbpf.State;

namespace Tos.Tbpf.Host;

/// <summary>An invocation that ran but is not committed (see <see cref="ContractHost.Simulate"/>).</summary>
public sealed class SimulatedInvocation
{
    internal SimulatedInvocation(ContractHost host, InvocationResult result, StateOverlay overlay)
    {
        Host = host;
        Result = result;
        Overlay = overlay;
    }

    /// <summary>What the invocation returned.</summary>
    public InvocationResult Result { get; }

    /// <summary>The changes it would commit, in key order (none when it would not commit).</summary>
    public IReadOnlyList<KeyValuePair<byte[], byte[]?>> Changes => Overlay.Changes;

    internal ContractHost Host { get; }

    internal StateOverlay Overlay { get; }

    internal bool Finished { get; set; }
}
