using System.Buffers.Binary;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Tests.Host;

/// <summary>Inputs of the sample token contract (native-contracts/src/token.c), and its storage layout.</summary>
public static class Token
{
    public const ulong Ok = 0, BadInput = 1, NotAllowed = 2, Insufficient = 3, Overflow = 4, NothingToWrap = 5;

    public static byte[] Init(Hash32 backing) => [0, .. backing.ToBytes()];

    public static byte[] Mint(Hash32 to, ulong amount) => [1, .. to.ToBytes(), .. Amount(amount)];

    public static byte[] Transfer(Hash32 to, ulong amount) => [2, .. to.ToBytes(), .. Amount(amount)];

    public static byte[] Balance(Hash32 account) => [3, .. account.ToBytes()];

    public static byte[] Wrap() => [4];

    public static byte[] Unwrap(ulong amount) => [5, .. Amount(amount)];

    /// <summary>An account's token balance, read from the contract's storage.</summary>
    public static ulong BalanceOf(ContractHost host, Hash32 token, Hash32 account)
    {
        byte[] key = [(byte)'b', .. account.ToBytes()];
        var entry = host.Storage(token).SingleOrDefault(e => e.Key.AsSpan().SequenceEqual(key));
        return entry.Value is null ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(entry.Value);
    }

    public static byte[] Amount(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>A chain context in which <paramref name="sender"/> sends the transaction.</summary>
    public static ChainContext From(Hash32 sender) => new(Hash32.Zero, sender, Hash32.Of("block"u8), 1);
}
