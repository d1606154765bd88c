using System.Globalization;

namespace Tos.Tbpf.Tests.Support;

/// <summary>
/// A test in the bpf_conformance <c>.data</c> format: <c>-- asm</c> or <c>-- raw</c>, <c>-- mem</c>, <c>-- result</c>,
/// <c>#</c> comments; plus TBPF's sections <c>-- profile</c>, <c>-- budget</c>, <c>-- cu</c>, <c>-- error</c>, <c>-- pc</c>.
/// Sections the runner does not know (<c>-- c</c>, <c>-- no register offset</c>) are ignored, as upstream does.
/// </summary>
public sealed record DataFile(
    string Name,
    string? Asm,
    byte[]? Raw,
    byte[] Memory,
    ulong? Result,
    string? Error,
    long? Pc,
    ulong? ComputeUnits,
    ulong? Budget,
    string? ProfileName)
{
    public static DataFile Parse(string name, string text)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.StartsWith("-- ", StringComparison.Ordinal))
            {
                current = [];
                sections[line[3..].Trim()] = current;
                continue;
            }

            current?.Add(line);
        }

        string? Section(string key) => sections.TryGetValue(key, out var lines) ? string.Join('\n', lines) : null;
        string? Value(string key) => Section(key) is { } body ? StripComments(body).Trim() is { Length: > 0 } v ? v : null : null;

        return new DataFile(
            name,
            Section("asm"),
            Section("raw") is { } raw ? ParseRaw(raw) : null,
            Section("mem") is { } mem ? ParseHexBytes(StripComments(mem)) : [],
            Value("result") is { } result ? ParseUnsigned(result) : null,
            Value("error"),
            Value("pc") is { } pc ? long.Parse(pc, CultureInfo.InvariantCulture) : null,
            Value("cu") is { } cu ? ParseUnsigned(cu) : null,
            Value("budget") is { } budget ? ParseUnsigned(budget) : null,
            Value("profile"));
    }

    public Profile Profile => ProfileName is null ? Profile.Rfc9669 : Profile.ByName(ProfileName)
        ?? throw new FormatException($"{Name}: unknown profile '{ProfileName}'");

    public override string ToString() => Name;

    private static string StripComments(string body) =>
        string.Join('\n', body.Split('\n').Select(l => l.IndexOf('#') is var at && at >= 0 ? l[..at] : l));

    private static ulong ParseUnsigned(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : ulong.Parse(text, CultureInfo.InvariantCulture);

    private static byte[] ParseHexBytes(string text) =>
        text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(b => byte.Parse(b, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)).ToArray();

    // Each raw line is one slot written as its little-endian 64-bit value.
    private static byte[] ParseRaw(string text) =>
        StripComments(text).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .SelectMany(l => BitConverter.GetBytes(ParseUnsigned(l))).ToArray();
}
