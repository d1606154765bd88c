using Tos.Tbpf.Payloads;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>One transaction of a block, resolved: the payload, its contract's program (null when none is deployed) and
/// the chain context the contract sees.</summary>
internal sealed record BlockCall(InvokeContractPayload Payload, VerifiedExecutable? Program, ChainContext Chain)
{
    public InvocationResult Run(InvocationRunner runner, State.StateOverlay overlay) =>
        runner.Run(Program, Payload.Contract, overlay, Payload.Input, Payload.Deposits, Payload.MaxGas, Chain);

    /// <summary>Runs over <paramref name="source"/> and puts what the run wrote into <paramref name="writes"/>: a
    /// transaction executed in its final place in a serial order (the block's own tables take its writes as they are).</summary>
    public InvocationResult RunInto(InvocationRunner runner, State.IStateSource source, Dictionary<byte[], byte[]?> writes)
    {
        var overlay = new State.StateOverlay(source);
        var result = Run(runner, overlay);
        foreach (var (key, value) in overlay.UnorderedWrites)
        {
            writes[key] = value;
        }

        overlay.Recycle();
        return result;
    }
}
