using System.Text.RegularExpressions;

namespace Tos.Tbpf.Cli;

/// <summary>
/// Command-line errors in our words: System.CommandLine names the .NET type it could not parse into
/// ("as expected type 'System.UInt64'"), which means nothing to a user; this says what the value must be instead.
/// </summary>
public static partial class ParseErrors
{
    /// <summary>The message a user sees for one of System.CommandLine's parse errors.</summary>
    public static string Describe(string message)
    {
        var match = CannotParse().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var (value, name, type) = (match.Groups["value"].Value, match.Groups["name"].Value, match.Groups["type"].Value);
        return $"{name}: '{value}' is not {Expected(type)}";
    }

    /// <summary>What a value of a .NET type looks like to a user.</summary>
    public static string Expected(string type) => type switch
    {
        "System.UInt64" => "a whole number from 0 to 18446744073709551615",
        "System.Int64" => "a whole number from -9223372036854775808 to 9223372036854775807",
        "System.UInt32" => "a whole number from 0 to 4294967295",
        "System.Int32" => "a whole number from -2147483648 to 2147483647",
        "System.Boolean" => "true or false",
        "System.IO.FileInfo" or "System.IO.DirectoryInfo" or "System.IO.FileSystemInfo" => "a path",
        _ => "a valid value",
    };

    [GeneratedRegex("^Cannot parse argument '(?<value>.*)' for (?:option|argument|command) '(?<name>.*)' as expected type '(?<type>[^']*)'\\.?$")]
    private static partial Regex CannotParse();
}
