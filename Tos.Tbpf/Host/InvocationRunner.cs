using System.Text;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Host;

/// <summary>
/// Runs one invocation over an overlay: the deposits, the VM on pooled memory, the result. Every way the host executes a
/// transaction (one <see cref="ContractHost.Invoke(Hash32, ReadOnlySpan{byte}, IReadOnlyList{Deposit}?, ulong, ChainContext?)"/>,
/// a block run serially or in parallel, a constructor) goes through here, so the same reads give the same result.
/// A failed invocation leaves no writes in its overlay; its reads stay, since they decided the outcome.
/// </summary>
internal sealed class InvocationRunner(IEngine engine, GasPolicy gas)
{
    public string EngineName => engine.Name;

    public InvocationResult Run(VerifiedExecutable? program, Hash32 contract, StateOverlay overlay, ReadOnlySpan<byte> input,
        IReadOnlyList<Deposit> deposits, ulong budget, ChainContext chain)
    {
        if (program is null)
        {
            return NotStarted(InvocationFailure.UnknownContract, $"no contract {contract} is deployed", deposits, budget);
        }

        var invocation = new Invocation(contract, overlay, chain);
        foreach (var deposit in deposits)
        {
            if (!overlay.TryMove(chain.TxSource, contract, deposit.Asset, deposit.Amount) || overlay.Blocked)
            {
                overlay.DiscardWrites();
                return NotStarted(InvocationFailure.InsufficientDeposit,
                    $"the sender cannot deposit {deposit.Amount} of asset {deposit.Asset}", deposits, budget);
            }

            invocation.Transfers.Add(new AssetTransfer(chain.TxSource, contract, deposit.Asset, deposit.Amount));
        }

        ExecutionResult result;
        var memory = InvocationMemoryPool.Rent();
        try
        {
            var map = memory.Prepare(program.Executable, input, invocation);
            result = engine.Run(program, map, budget, memory.Syscalls);
        }
        finally
        {
            InvocationMemoryPool.Return(memory);
        }

        var committed = result.IsOk && result.R0 == 0;
        if (!committed)
        {
            overlay.DiscardWrites();
        }

        var logged = invocation.LogsSoFar;
        var logs = logged.Count == 0 ? [] : new string[logged.Count];
        for (var i = 0; i < logs.Length; i++)
        {
            logs[i] = Encoding.UTF8.GetString(logged[i]);
        }

        return new InvocationResult(result.IsOk ? result.R0 : null, result.ComputeUnits, logs,
            committed ? invocation.EventsSoFar : [], committed ? invocation.TransfersSoFar : [], budget - result.ComputeUnits,
            result.Error, committed, committed ? [] : deposits, gas.Settle(result.ComputeUnits));
    }

    private InvocationResult NotStarted(InvocationFailure kind, string message, IReadOnlyList<Deposit> deposits, ulong budget) =>
        new(null, 0, [], [], [], budget, null, false, deposits, gas.Settle(0), kind, message);
}
