using System.Security.Cryptography;

namespace Tos.Tbpf.State;

/// <summary>A 32-byte identifier (contract, account, asset, transaction, block), compared and printed as lowercase hex.</summary>
public readonly record struct Hash32
{
    /// <summary>The number of bytes.</summary>
    public const int Length = 32;

    private Hash32(string hex) => Hex = hex;

    /// <summary>64 lowercase hex digits.</summary>
    public string Hex { get; }

    /// <summary>The all-zero hash.</summary>
    public static Hash32 Zero { get; } = From(new byte[Length]);

    /// <summary>The hash whose bytes are <paramref name="bytes"/> (exactly 32).</summary>
    public static Hash32 From(ReadOnlySpan<byte> bytes) => bytes.Length == Length
        ? new Hash32(Convert.ToHexStringLower(bytes))
        : throw new ArgumentException($"a hash is {Length} bytes, not {bytes.Length}", nameof(bytes));

    /// <summary>Parses 64 hex digits; returns false for anything else.</summary>
    public static bool TryParse(string text, out Hash32 hash)
    {
        hash = default;
        if (text.Length != Length * 2 || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        hash = new Hash32(text.ToLowerInvariant());
        return true;
    }

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Hash32 Of(ReadOnlySpan<byte> data) => From(SHA256.HashData(data));

    /// <summary>The 32 bytes.</summary>
    public byte[] ToBytes() => Convert.FromHexString(Hex);

    /// <inheritdoc />
    public override string ToString() => Hex;
}
