using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Tos.Tbpf.State;

/// <summary>A 32-byte identifier (contract, account, asset, transaction, block), held inline (no allocation),
/// compared by value and printed as 64 lowercase hex digits.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Hash32 : IEquatable<Hash32>
{
    /// <summary>The number of bytes.</summary>
    public const int Length = 32;

    // The bytes in order, read as four big-endian words so that word order is byte order.
    private readonly ulong _w0, _w1, _w2, _w3;

    private Hash32(ReadOnlySpan<byte> bytes)
    {
        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>The all-zero hash.</summary>
    public static Hash32 Zero => default;

    /// <summary>True for the all-zero hash.</summary>
    public bool IsZero => (_w0 | _w1 | _w2 | _w3) == 0;

    /// <summary>The hash whose bytes are <paramref name="bytes"/> (exactly 32).</summary>
    public static Hash32 From(ReadOnlySpan<byte> bytes) => bytes.Length == Length
        ? new Hash32(bytes)
        : throw new ArgumentException($"a hash is {Length} bytes, not {bytes.Length}", nameof(bytes));

    /// <summary>Parses 64 hex digits; returns false for anything else.</summary>
    public static bool TryParse(string text, out Hash32 hash)
    {
        hash = default;
        Span<byte> bytes = stackalloc byte[Length];
        if (text.Length != Length * 2 || Convert.FromHexString(text, bytes, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != Length)
        {
            return false;
        }

        hash = new Hash32(bytes);
        return true;
    }

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Hash32 Of(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Length];
        SHA256.HashData(data, digest);
        return new Hash32(digest);
    }

    /// <summary>Writes the 32 bytes to the start of <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    /// <summary>The 32 bytes, in a new array.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>64 lowercase hex digits.</summary>
    public string Hex
    {
        get
        {
            Span<byte> bytes = stackalloc byte[Length];
            CopyTo(bytes);
            return Convert.ToHexStringLower(bytes);
        }
    }

    /// <inheritdoc />
    public bool Equals(Hash32 other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    /// <summary>Value equality.</summary>
    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => Hex;
}
