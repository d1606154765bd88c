using System.Buffers.Binary;
using System.Text;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Payloads;

/// <summary>
/// The compact binary form of the node payloads, big-endian and length-prefixed (the shape of the TOS wire format):
/// <code>
/// invoke       = contract[32] deposits max_gas:u64 input
/// deploy       = elf:u32-prefixed entry_point:option constructor:option
/// constructor  = max_gas:u64 deposits input
/// deposits     = count:u8 (asset[32] kind:u8=0 amount:u64)*     distinct assets, amounts ≥ 1
/// input        = length:u32 bytes                               length ≤ 64 KiB
/// entry_point  = 0 | 1 length:u8 utf8                           1 ≤ length ≤ 255
/// option       = 0 | 1 value
/// </code>
/// The ELF is at most 1 MiB and starts with <c>\x7fELF</c>; max_gas is 1 to <see cref="ContractHost.MaxBudget"/>. The reader
/// checks every length against its limit and against the bytes left before it allocates, and answers anything else with a
/// <see cref="PayloadException"/>. Each payload has exactly one encoding, so its hash identifies it.
/// </summary>
public static class PayloadSerializer
{
    private const byte PlainDeposit = 0;

    /// <summary>Encodes an invocation.</summary>
    public static byte[] Write(InvokeContractPayload payload)
    {
        var writer = new Writer();
        writer.Hash(payload.Contract);
        writer.Deposits(payload.Deposits);
        writer.U64(payload.MaxGas);
        writer.Bytes(payload.Input, PayloadLimits.MaxInputLength, "input");
        return writer.ToArray();
    }

    /// <summary>Encodes a deploy.</summary>
    public static byte[] Write(DeployContractPayload payload)
    {
        var writer = new Writer();
        writer.Bytes(payload.Elf, PayloadLimits.MaxElfLength, "ELF object");
        if (payload.EntryPoint is { } entry)
        {
            var name = Encoding.UTF8.GetBytes(entry);
            if (name.Length is 0 or > PayloadLimits.MaxEntryPointLength)
            {
                throw new ArgumentException($"an entry point name is 1 to {PayloadLimits.MaxEntryPointLength} UTF-8 bytes", nameof(payload));
            }

            writer.U8(1);
            writer.U8((byte)name.Length);
            writer.Raw(name);
        }
        else
        {
            writer.U8(0);
        }

        if (payload.Constructor is { } constructor)
        {
            writer.U8(1);
            writer.U64(constructor.MaxGas);
            writer.Deposits(constructor.Deposits);
            writer.Bytes(constructor.Input, PayloadLimits.MaxInputLength, "constructor input");
        }
        else
        {
            writer.U8(0);
        }

        return writer.ToArray();
    }

    /// <summary>Decodes an invocation; throws <see cref="PayloadException"/> for anything malformed.</summary>
    public static InvokeContractPayload ReadInvoke(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        var contract = reader.Hash();
        var deposits = reader.Deposits();
        var maxGas = reader.MaxGas();
        var input = reader.Bytes(PayloadLimits.MaxInputLength, "input");
        reader.End();
        return new InvokeContractPayload(contract, input, deposits, maxGas);
    }

    /// <summary>Decodes a deploy; throws <see cref="PayloadException"/> for anything malformed.</summary>
    public static DeployContractPayload ReadDeploy(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        var at = reader.Offset;
        var elf = reader.Bytes(PayloadLimits.MaxElfLength, "ELF object");
        if (elf.Length < 4 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new PayloadException(PayloadErrorKind.Invalid, at, "the contract is not an ELF object (no \\x7fELF magic)");
        }

        string? entry = null;
        if (reader.Option("entry point"))
        {
            at = reader.Offset;
            var length = reader.U8();
            if (length == 0)
            {
                throw new PayloadException(PayloadErrorKind.Invalid, at, "an empty entry point name");
            }

            entry = reader.Utf8(length, "entry point");
        }

        ContractConstructor? constructor = null;
        if (reader.Option("constructor"))
        {
            var maxGas = reader.MaxGas();
            var deposits = reader.Deposits();
            var input = reader.Bytes(PayloadLimits.MaxInputLength, "constructor input");
            constructor = new ContractConstructor(input, deposits, maxGas);
        }

        reader.End();
        return new DeployContractPayload(elf, entry, constructor);
    }

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void U8(byte value) => _stream.WriteByte(value);

        public void U32(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            _stream.Write(bytes);
        }

        public void U64(ulong value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
            _stream.Write(bytes);
        }

        public void Raw(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public void Hash(Hash32 hash)
        {
            Span<byte> bytes = stackalloc byte[Hash32.Length];
            hash.CopyTo(bytes);
            _stream.Write(bytes);
        }

        public void Bytes(byte[] bytes, int limit, string what)
        {
            if (bytes.Length > limit)
            {
                throw new ArgumentException($"the {what} is {bytes.Length} bytes; the limit is {limit}");
            }

            U32((uint)bytes.Length);
            Raw(bytes);
        }

        public void Deposits(IReadOnlyList<Deposit> deposits)
        {
            if (deposits.Count > PayloadLimits.MaxDeposits || deposits.DistinctBy(d => d.Asset).Count() != deposits.Count
                || deposits.Any(d => d.Amount == 0))
            {
                throw new ArgumentException($"deposits are at most {PayloadLimits.MaxDeposits} distinct assets with non-zero amounts");
            }

            U8((byte)deposits.Count);
            foreach (var deposit in deposits)
            {
                Hash(deposit.Asset);
                U8(PlainDeposit);
                U64(deposit.Amount);
            }
        }

        public byte[] ToArray() => _stream.ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public int Offset { get; private set; }

        private readonly int Left => _bytes.Length - Offset;

        public byte U8() => Take(1, "a byte")[0];

        public ulong U64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8, "a u64"));

        public Hash32 Hash() => Hash32.From(Take(Hash32.Length, "a 32-byte hash"));

        public ulong MaxGas()
        {
            var at = Offset;
            var gas = U64();
            return gas is >= 1 and <= ContractHost.MaxBudget
                ? gas
                : throw new PayloadException(PayloadErrorKind.Invalid, at, $"max gas {gas} is not 1 to {ContractHost.MaxBudget}");
        }

        public bool Option(string what)
        {
            var at = Offset;
            return U8() switch
            {
                0 => false,
                1 => true,
                var tag => throw new PayloadException(PayloadErrorKind.Invalid, at, $"the {what} option tag is {tag}, not 0 or 1"),
            };
        }

        public byte[] Bytes(int limit, string what)
        {
            var at = Offset;
            var length = BinaryPrimitives.ReadUInt32BigEndian(Take(4, $"the {what}'s length"));
            if (length > (uint)limit)
            {
                throw new PayloadException(PayloadErrorKind.TooLarge, at, $"the {what} claims {length} bytes; the limit is {limit}");
            }

            return Take((int)length, $"the {what}").ToArray();
        }

        public string Utf8(int length, string what)
        {
            var at = Offset;
            var bytes = Take(length, $"the {what}");
            try
            {
                return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw new PayloadException(PayloadErrorKind.Invalid, at, $"the {what} is not valid UTF-8");
            }
        }

        public IReadOnlyList<Deposit> Deposits()
        {
            var count = U8();
            var deposits = new List<Deposit>(count);
            for (var i = 0; i < count; i++)
            {
                var at = Offset;
                var asset = Hash();
                var kind = U8();
                if (kind != PlainDeposit)
                {
                    throw new PayloadException(PayloadErrorKind.Invalid, at + Hash32.Length, $"deposit kind {kind} is unknown");
                }

                var amount = U64();
                if (amount == 0)
                {
                    throw new PayloadException(PayloadErrorKind.Invalid, at, "a deposit of 0");
                }

                if (deposits.Exists(d => d.Asset == asset))
                {
                    throw new PayloadException(PayloadErrorKind.Invalid, at, $"asset {asset} is deposited twice");
                }

                deposits.Add(new Deposit(asset, amount));
            }

            return deposits;
        }

        public readonly void End()
        {
            if (Left != 0)
            {
                throw new PayloadException(PayloadErrorKind.TrailingBytes, Offset, $"{Left} byte(s) after the end of the payload");
            }
        }

        private ReadOnlySpan<byte> Take(int count, string what)
        {
            if (count > Left)
            {
                throw new PayloadException(PayloadErrorKind.Truncated, Offset, $"{what} needs {count} bytes; {Left} are left");
            }

            var slice = _bytes.Slice(Offset, count);
            Offset += count;
            return slice;
        }
    }
}
