using System.Buffers.Binary;
using Tos.Tbpf.State;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Host;

/// <summary>
/// The 15 TOS syscalls (DESIGN §9; contract authors' reference: docs/syscalls.md). Each charges its cost before
/// its effect, reaches guest memory only through checked translation, and works on the <see cref="Invocation"/>
/// the run carries. A broken limit is a <c>SyscallError</c> naming the syscall; an expected failure (a transfer
/// without the balance) is a return code the contract can handle.
/// </summary>
public static class TosSyscalls
{
    /// <summary>Size limits.</summary>
    public const int MaxKeyLength = 64, MaxValueLength = 1024, MaxLogLength = 1024, MaxTopicLength = 64, MaxEventDataLength = 1024,
        MaxAssetNameLength = 64;

    /// <summary>Return codes.</summary>
    public const ulong Success = 0, InsufficientBalance = 1, Overflow = 2, NotCreator = 1, AlreadyExists = 1, UnknownAsset = 3,
        NotFound = ulong.MaxValue;

    /// <summary>Base costs in compute units, named after their syscall; docs/syscalls.md has the whole table.</summary>
#pragma warning disable CS1591
    public static class Cost
    {
        public const ulong Log = 100, Hash = 50, BlockHeight = 20, GetBalance = 100, Transfer = 500, Burn = 300,
            StorageLoad = 200, StorageStore = 1000, StorageDelete = 500, AssetCreate = 2000, AssetMint = 500, FireEvent = 200;
    }
#pragma warning restore CS1591

    /// <summary>A registry with every TOS syscall.</summary>
    public static SyscallRegistry Registry() => new SyscallRegistry()
        .Register("tos_log", (c, message, length, _, _, _) =>
        {
            Limit("message", length, MaxLogLength);
            c.Charge(Cost.Log + length);
            Of(c).Logs.Add(c.Read(message, length).ToArray());
            return Success;
        })
        .Register("tos_get_contract_hash", (c, output, _, _, _, _) => WriteHash(c, output, Of(c).Contract))
        .Register("tos_get_tx_hash", (c, output, _, _, _, _) => WriteHash(c, output, Of(c).Chain.TxHash))
        .Register("tos_get_tx_source", (c, output, _, _, _, _) => WriteHash(c, output, Of(c).Chain.TxSource))
        .Register("tos_get_block_hash", (c, output, _, _, _, _) => WriteHash(c, output, Of(c).Chain.BlockHash))
        .Register("tos_get_block_height", (c, _, _, _, _, _) =>
        {
            c.Charge(Cost.BlockHeight);
            return Of(c).Chain.BlockHeight;
        })
        .Register("tos_get_balance", (c, account, asset, _, _, _) =>
        {
            c.Charge(Cost.GetBalance);
            Span<byte> key = stackalloc byte[StateKeys.BalanceLength];
            StateKeys.Balance(key, ReadHash(c, account), ReadHash(c, asset));
            return Of(c).Overlay.GetU64(key);
        })
        .Register("tos_transfer", (c, to, asset, amount, _, _) =>
        {
            c.Charge(Cost.Transfer);
            var invocation = Of(c);
            var (destination, assetId) = (ReadHash(c, to), ReadHash(c, asset));
            Span<byte> from = stackalloc byte[StateKeys.BalanceLength];
            StateKeys.Balance(from, invocation.Contract, assetId);
            if (invocation.Overlay.GetU64(from) < amount)
            {
                return InsufficientBalance;
            }

            if (!invocation.Overlay.TryMove(invocation.Contract, destination, assetId, amount))
            {
                return Overflow;
            }

            invocation.Transfers.Add(new AssetTransfer(invocation.Contract, destination, assetId, amount));
            return Success;
        })
        .Register("tos_burn", (c, asset, amount, _, _, _) =>
        {
            c.Charge(Cost.Burn);
            var invocation = Of(c);
            var assetId = ReadHash(c, asset);
            Span<byte> key = stackalloc byte[StateKeys.BalanceLength];
            StateKeys.Balance(key, invocation.Contract, assetId);
            var balance = invocation.Overlay.GetU64(key);
            if (balance < amount)
            {
                return InsufficientBalance;
            }

            invocation.Overlay.PutU64(key, balance - amount);
            invocation.Transfers.Add(new AssetTransfer(invocation.Contract, Hash32.Zero, assetId, amount));
            return Success;
        })
        .Register("tos_storage_load", (c, key, keyLength, value, capacity, _) =>
        {
            Limit("key", keyLength, MaxKeyLength, minimum: 1);
            var invocation = Of(c);
            Span<byte> storageKey = stackalloc byte[StateKeys.StoragePrefixLength + MaxKeyLength];
            var stored = invocation.Overlay.Get(StateKeys.Storage(storageKey, invocation.Contract, c.Read(key, keyLength)));
            var copied = stored is null ? 0 : Math.Min((ulong)stored.Length, capacity);
            c.Charge(Cost.StorageLoad + keyLength + copied);
            if (stored is null)
            {
                return NotFound;
            }

            stored.AsSpan(0, (int)copied).CopyTo(c.Write(value, copied));
            return (ulong)stored.Length;
        })
        .Register("tos_storage_store", (c, key, keyLength, value, valueLength, _) =>
        {
            Limit("key", keyLength, MaxKeyLength, minimum: 1);
            Limit("value", valueLength, MaxValueLength);
            c.Charge(Cost.StorageStore + keyLength + valueLength);
            var invocation = Of(c);
            Span<byte> storageKey = stackalloc byte[StateKeys.StoragePrefixLength + MaxKeyLength];
            invocation.Overlay.Put(StateKeys.Storage(storageKey, invocation.Contract, c.Read(key, keyLength)), c.Read(value, valueLength).ToArray());
            return Success;
        })
        .Register("tos_storage_delete", (c, key, keyLength, _, _, _) =>
        {
            Limit("key", keyLength, MaxKeyLength, minimum: 1);
            c.Charge(Cost.StorageDelete + keyLength);
            var invocation = Of(c);
            Span<byte> buffer = stackalloc byte[StateKeys.StoragePrefixLength + MaxKeyLength];
            var storageKey = StateKeys.Storage(buffer, invocation.Contract, c.Read(key, keyLength));
            if (invocation.Overlay.Get(storageKey) is null)
            {
                return NotFound;
            }

            invocation.Overlay.Delete(storageKey);
            return Success;
        })
        .Register("tos_asset_create", (c, name, nameLength, output, _, _) =>
        {
            Limit("asset name", nameLength, MaxAssetNameLength, minimum: 1);
            c.Charge(Cost.AssetCreate + nameLength);
            var invocation = Of(c);
            var nameBytes = c.Read(name, nameLength).ToArray();
            // The id depends on the creator and the name, so two contracts cannot collide.
            var asset = Hash32.Of([.. invocation.Contract.ToBytes(), .. nameBytes]);
            // Check the output pointer before the effect, so a bad one leaves no asset behind.
            c.Write(output, Hash32.Length);
            var key = StateKeys.Asset(asset);
            if (invocation.Overlay.Get(key) is not null)
            {
                asset.ToBytes().CopyTo(c.Write(output, Hash32.Length));
                return AlreadyExists;
            }

            invocation.Overlay.Put(key, [.. invocation.Contract.ToBytes(), .. nameBytes]);
            asset.ToBytes().CopyTo(c.Write(output, Hash32.Length));
            return Success;
        })
        .Register("tos_asset_mint", (c, asset, amount, _, _, _) =>
        {
            c.Charge(Cost.AssetMint);
            var invocation = Of(c);
            var assetId = ReadHash(c, asset);
            var record = invocation.Overlay.Get(StateKeys.Asset(assetId));
            if (record is null)
            {
                return UnknownAsset;
            }

            if (!record.AsSpan(0, Hash32.Length).SequenceEqual(invocation.Contract.ToBytes()))
            {
                return NotCreator;
            }

            Span<byte> key = stackalloc byte[StateKeys.BalanceLength];
            StateKeys.Balance(key, invocation.Contract, assetId);
            var balance = invocation.Overlay.GetU64(key);
            if (balance + amount < balance)
            {
                return Overflow;
            }

            invocation.Overlay.PutU64(key, balance + amount);
            invocation.Transfers.Add(new AssetTransfer(Hash32.Zero, invocation.Contract, assetId, amount));
            return Success;
        })
        .Register("tos_fire_event", (c, topic, topicLength, data, dataLength, _) =>
        {
            Limit("topic", topicLength, MaxTopicLength, minimum: 1);
            Limit("event data", dataLength, MaxEventDataLength);
            c.Charge(Cost.FireEvent + topicLength + dataLength);
            Of(c).Events.Add(new ContractEvent(c.Read(topic, topicLength).ToArray(), c.Read(data, dataLength).ToArray()));
            return Success;
        });

    private static ulong WriteHash(SyscallContext c, ulong output, Hash32 hash)
    {
        c.Charge(Cost.Hash);
        hash.CopyTo(c.Write(output, Hash32.Length));
        return Success;
    }

    private static Hash32 ReadHash(SyscallContext c, ulong address) => Hash32.From(c.Read(address, Hash32.Length));

    private static Invocation Of(SyscallContext c) =>
        c.HostState as Invocation ?? throw new InvalidOperationException("TOS syscalls need an Invocation as the run's host state");

    private static void Limit(string what, ulong length, int maximum, int minimum = 0)
    {
        if (length < (ulong)minimum || length > (ulong)maximum)
        {
            throw new ArgumentException($"{what} of {length} bytes; the limit is {minimum} to {maximum}");
        }
    }

    /// <summary>Reads a little-endian u64 (for hosts and tests that inspect balances).</summary>
    public static ulong ReadU64(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt64LittleEndian(bytes);
}
