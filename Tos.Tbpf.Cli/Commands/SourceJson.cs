using System.Text.Json;
using Tos.Tbpf.Elf.Dwarf;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>How commands show where a pc is in the source: <c> in file:line (function)</c> in text, and
/// <c>"source"</c>/<c>"line"</c>/<c>"function"</c> fields in JSON, each only when known.</summary>
internal static class SourceJson
{
    /// <summary><c> in file:line (function)</c>, <c> in function</c> or nothing.</summary>
    public static string Suffix(SourceLocation? location) => location switch
    {
        null => "",
        { File: null } => $" in {location.Function}",
        _ => $" in {location}",
    };

    public static void Write(Utf8JsonWriter writer, SourceLocation? location)
    {
        if (location?.File is { } file)
        {
            writer.WriteString("source", file);
            writer.WriteNumber("line", location.Line);
        }

        if (location?.Function is { } function)
        {
            writer.WriteString("function", function);
        }
    }
}
