using Tos.Tbpf.State;

namespace Tos.Tbpf.Host;

/// <summary>What an invocation knows of the chain: its transaction, who sent it, and the block it is in.</summary>
/// <param name="TxHash">The transaction's hash.</param>
/// <param name="TxSource">The account that sent it (and pays the deposits).</param>
/// <param name="BlockHash">The block's hash.</param>
/// <param name="BlockHeight">The block's height.</param>
public sealed record ChainContext(Hash32 TxHash, Hash32 TxSource, Hash32 BlockHash, ulong BlockHeight)
{
    /// <summary>A context for runs outside a chain: zero hashes, height 0.</summary>
    public static ChainContext Offline { get; } = new(Hash32.Zero, Hash32.Zero, Hash32.Zero, 0);
}

/// <summary>The block a set of transactions runs in.</summary>
/// <param name="Height">The block's height.</param>
/// <param name="Hash">The block's hash.</param>
public sealed record BlockContext(ulong Height, Hash32 Hash);

/// <summary>One invocation of a block: who sends it and what it calls.</summary>
/// <param name="Sender">The account that signs it and pays its deposits.</param>
/// <param name="Payload">The call.</param>
/// <param name="TxHash">The transaction's hash, which the contract can read.</param>
public sealed record BlockTransaction(Hash32 Sender, Payloads.InvokeContractPayload Payload, Hash32 TxHash);

/// <summary>An event a contract fired.</summary>
public sealed record ContractEvent(byte[] Topic, byte[] Data);

/// <summary>A movement of an asset between accounts (deposits, contract transfers, burns to the zero account).</summary>
public sealed record AssetTransfer(Hash32 From, Hash32 To, Hash32 Asset, ulong Amount);

/// <summary>An asset the transaction sends along to the contract before it runs.</summary>
public sealed record Deposit(Hash32 Asset, ulong Amount);
