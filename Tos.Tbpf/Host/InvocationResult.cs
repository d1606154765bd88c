using System.Text;
using Tos.Tbpf.Execution;

namespace Tos.Tbpf.Host;

/// <summary>Why an invocation did not run at all.</summary>
public enum InvocationFailure
{
    /// <summary>It ran (successfully or not).</summary>
    None,
    /// <summary>No contract is deployed under the id.</summary>
    UnknownContract,
    /// <summary>The sender cannot pay a deposit.</summary>
    InsufficientDeposit,
}

/// <summary>
/// The outcome of one invocation: what the node records as its outputs. Events and transfers are the effects that took
/// place, so they are empty unless the invocation committed; logs are kept either way (they explain a failure).
/// </summary>
/// <param name="ExitCode">r0 at the final exit; null when the run ended with a VM error or never started.</param>
/// <param name="ComputeUnits">Gas used.</param>
/// <param name="Logs">Logged messages as text (invalid UTF-8 replaced).</param>
/// <param name="Events">Fired events, if committed.</param>
/// <param name="Transfers">Asset movements (deposits first), if committed.</param>
/// <param name="Refund">Gas refunded: budget − used.</param>
/// <param name="Error">The VM error, if any.</param>
/// <param name="Committed">Whether the state changes were committed (the run ended without error and with exit code 0).</param>
/// <param name="DepositsRefunded">The deposits that stay with the sender because nothing was committed.</param>
/// <param name="Gas">The used gas split into burned and paid by the host's <see cref="GasPolicy"/>.</param>
/// <param name="FailureKind">Why the invocation did not start, if it did not.</param>
/// <param name="Failure">A message for <paramref name="FailureKind"/>.</param>
public sealed record InvocationResult(ulong? ExitCode, ulong ComputeUnits, IReadOnlyList<string> Logs,
    IReadOnlyList<ContractEvent> Events, IReadOnlyList<AssetTransfer> Transfers, ulong Refund, VmError? Error, bool Committed,
    IReadOnlyList<Deposit> DepositsRefunded, GasSettlement Gas, InvocationFailure FailureKind = InvocationFailure.None,
    string? Failure = null)
{
    /// <summary>Every field on one line, byte strings in hex: two results are the same outcome exactly when their
    /// descriptions are equal (what differential and serial-equivalence checks compare).</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append($"exit={ExitCode?.ToString() ?? "none"} cu={ComputeUnits} refund={Refund} committed={Committed}");
        text.Append($" gas={Gas.Burned}/{Gas.Paid} error={(Error is null ? "none" : Error.ToString())}");
        text.Append($" failure={FailureKind}:{Failure}");
        foreach (var log in Logs)
        {
            text.Append($" log={Convert.ToHexStringLower(Encoding.UTF8.GetBytes(log))}");
        }

        foreach (var e in Events)
        {
            text.Append($" event={Convert.ToHexStringLower(e.Topic)}:{Convert.ToHexStringLower(e.Data)}");
        }

        foreach (var t in Transfers)
        {
            text.Append($" transfer={t.From}>{t.To}:{t.Asset}:{t.Amount}");
        }

        foreach (var d in DepositsRefunded)
        {
            text.Append($" refunded={d.Asset}:{d.Amount}");
        }

        return text.ToString();
    }
}

/// <summary>The outcome of a deploy.</summary>
/// <param name="Contract">The contract's id.</param>
/// <param name="Deployed">True when this call stored the contract (false if it was there already, or its constructor failed).</param>
/// <param name="Constructor">The constructor's outcome, when the payload had one and it ran.</param>
public sealed record DeployResult(State.Hash32 Contract, bool Deployed, InvocationResult? Constructor);
