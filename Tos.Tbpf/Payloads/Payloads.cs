using Tos.Tbpf.Host;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Payloads;

/// <summary>A transaction that deploys a contract (the integration plan's <c>DeployContractPayload</c>).</summary>
/// <param name="Elf">The contract's ELF object (at most <see cref="PayloadLimits.MaxElfLength"/> bytes).</param>
/// <param name="EntryPoint">The function invocations start at; null for <c>entrypoint</c>.</param>
/// <param name="Constructor">An invocation run once at deploy: the contract is kept only if it exits with 0.</param>
public sealed record DeployContractPayload(byte[] Elf, string? EntryPoint = null, ContractConstructor? Constructor = null);

/// <summary>The constructor call of a deploy: its input, what it deposits and its gas limit.</summary>
/// <param name="Input">The entry point's input.</param>
/// <param name="Deposits">Assets moved from the deployer to the new contract before it runs.</param>
/// <param name="MaxGas">The compute budget (1 to <see cref="ContractHost.MaxBudget"/>).</param>
public sealed record ContractConstructor(byte[] Input, IReadOnlyList<Deposit> Deposits, ulong MaxGas);

/// <summary>A transaction that invokes a deployed contract (the integration plan's <c>InvokeContractPayload</c>).</summary>
/// <param name="Contract">The contract's id.</param>
/// <param name="Input">The entry point's input (at most <see cref="PayloadLimits.MaxInputLength"/> bytes).</param>
/// <param name="Deposits">Assets moved from the sender to the contract before it runs (distinct assets, non-zero amounts).</param>
/// <param name="MaxGas">The compute budget (1 to <see cref="ContractHost.MaxBudget"/>).</param>
public sealed record InvokeContractPayload(Hash32 Contract, byte[] Input, IReadOnlyList<Deposit> Deposits, ulong MaxGas);

/// <summary>The sizes a payload may have; the reader enforces them before it allocates.</summary>
public static class PayloadLimits
{
    /// <summary>The largest contract object (DESIGN §6).</summary>
    public const int MaxElfLength = 1024 * 1024;

    /// <summary>The largest invocation input.</summary>
    public const int MaxInputLength = 64 * 1024;

    /// <summary>The most deposits one call carries (its count is one byte).</summary>
    public const int MaxDeposits = 255;

    /// <summary>The longest entry point name in UTF-8 bytes (its length is one byte).</summary>
    public const int MaxEntryPointLength = 255;
}
