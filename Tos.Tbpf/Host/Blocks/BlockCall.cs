using Tos.Tbpf.Payloads;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>One transaction of a block, resolved: the payload, its contract's program (null when none is deployed) and
/// the chain context the contract sees.</summary>
internal sealed record BlockCall(InvokeContractPayload Payload, VerifiedExecutable? Program, ChainContext Chain)
{
    public InvocationResult Run(InvocationRunner runner, State.StateOverlay overlay) =>
        runner.Run(Program, Payload.Contract, overlay, Payload.Input, Payload.Deposits, Payload.MaxGas, Chain);
}
