using System.Globalization;

namespace Tos.Tbpf.Cli;

/// <summary>Hex text as the CLI and the conformance plugin protocol write bytes.</summary>
public static class Hex
{
    /// <summary>Parses hex digits two per byte, ignoring whitespace and the separators <c>: , - _</c>;
    /// an empty string is no bytes. Returns null for anything else.</summary>
    public static byte[]? TryParse(string text)
    {
        var digits = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c is ':' or ',' or '-' or '_')
            {
                continue;
            }

            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }

            digits.Append(c);
        }

        if (digits.Length % 2 != 0)
        {
            return null;
        }

        var bytes = new byte[digits.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = byte.Parse(digits.ToString(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }

        return bytes;
    }
}
