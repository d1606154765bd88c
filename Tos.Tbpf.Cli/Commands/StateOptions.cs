using System.CommandLine;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>The devnet's state folder: <c>--state DIR</c>, or a default folder under the user's data folder.</summary>
internal static class StateOptions
{
    public static Option<DirectoryInfo?> Folder() => new("--state")
    {
        Description = "The state folder (RocksDB). Default: tbpf/devnet under the user's data folder.",
    };

    public static RocksDbContractState Open(DirectoryInfo? folder, bool quiet)
    {
        var path = folder?.FullName ?? Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "tbpf", "devnet");
        if (folder is null && !quiet)
        {
            Console.Error.WriteLine($"state: {path}");
        }

        return new RocksDbContractState(path);
    }

    public static Hash32 ParseHash(string text) =>
        Hash32.TryParse(text, out var hash) ? hash : throw new CliFailure("UsageError", $"'{text}' is not a 64-digit hex hash");
}
