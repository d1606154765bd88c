using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Tos.Tbpf.State;

/// <summary>
/// The content digest of a whole state (DESIGN §9): SHA-256 over the domain tag <c>"tbpf-state-v1"</c> followed by every
/// entry in ascending key order (bytewise), each written as <c>u32 LE key length ‖ key ‖ u32 LE value length ‖ value</c>.
/// It depends only on the entries, not on the order of the commits that made them; the length prefixes make the
/// encoding of a sequence of entries unambiguous, so distinct contents give distinct inputs to SHA-256.
/// </summary>
public static class StateDigest
{
    private static readonly byte[] Tag = "tbpf-state-v1"u8.ToArray();

    /// <summary>The digest of <paramref name="entries"/>, which must come in ascending key order.</summary>
    public static Hash32 Compute(IEnumerable<KeyValuePair<byte[], byte[]>> entries)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Tag);
        Span<byte> length = stackalloc byte[4];
        byte[]? previous = null;
        foreach (var (key, value) in entries)
        {
            if (previous is not null && ByteOrder.Instance.Compare(previous, key) >= 0)
            {
                throw new InvalidOperationException("state entries must come in strictly ascending key order");
            }

            previous = key;
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)key.Length);
            hash.AppendData(length);
            hash.AppendData(key);
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)value.Length);
            hash.AppendData(length);
            hash.AppendData(value);
        }

        Span<byte> digest = stackalloc byte[Hash32.Length];
        hash.GetHashAndReset(digest);
        return Hash32.From(digest);
    }
}
