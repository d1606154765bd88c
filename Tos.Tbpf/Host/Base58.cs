namespace Tos.Tbpf.Host;

/// <summary>Bitcoin's base58 alphabet, as Solana prints public keys (<c>sol_log_pubkey</c>).</summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>Encodes <paramref name="bytes"/>: each leading zero byte is a '1', the rest a base-58 number.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var zeros = 0;
        while (zeros < bytes.Length && bytes[zeros] == 0)
        {
            zeros++;
        }

        // Big-endian base-58 digits of the remaining bytes, by repeated multiply-and-add (at most 138% of the bytes).
        Span<byte> digits = stackalloc byte[bytes.Length * 138 / 100 + 1];
        var length = 0;
        foreach (var b in bytes[zeros..])
        {
            var carry = (int)b;
            for (var i = 0; i < length; i++)
            {
                carry += digits[i] << 8;
                digits[i] = (byte)(carry % 58);
                carry /= 58;
            }

            while (carry > 0)
            {
                digits[length++] = (byte)(carry % 58);
                carry /= 58;
            }
        }

        var text = new char[zeros + length];
        text.AsSpan(0, zeros).Fill('1');
        for (var i = 0; i < length; i++)
        {
            text[zeros + i] = Alphabet[digits[length - 1 - i]];
        }

        return new string(text);
    }
}
