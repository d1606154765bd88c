using System.CommandLine;
using RocksDbSharp;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary>
/// The devnet's state folder (<c>--state DIR</c>, or <c>tbpf/devnet</c> under the user's data folder). Opening it turns
/// every way it can be wrong into a <c>StateError</c>: a file where a folder should be, a folder that holds something
/// other than a state, a corrupt or unreadable database, a read-only location. A folder another process holds open is
/// waited for, up to <c>--lock-timeout</c> seconds, with a message, before that too is an error.
/// </summary>
internal static class StateFolder
{
    public static Option<DirectoryInfo?> Option() => new("--state")
    {
        Description = "The state folder (RocksDB). Default: tbpf/devnet under the user's data folder.",
    };

    public static Option<double> LockTimeout() => new("--lock-timeout")
    {
        Description = "Seconds to wait for a state folder another process holds open (default 10).",
        DefaultValueFactory = _ => 10,
    };

    /// <summary>Opens the folder; throws <see cref="CliFailure"/> (kind <c>StateError</c>) when it cannot.</summary>
    public static RocksDbContractState Open(DirectoryInfo? folder, double lockTimeoutSeconds, bool quiet)
    {
        if (lockTimeoutSeconds is < 0 or > 3600 || double.IsNaN(lockTimeoutSeconds))
        {
            throw new CliFailure("UsageError", "--lock-timeout: expected 0 to 3600 seconds");
        }

        var path = folder?.FullName ?? Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "tbpf", "devnet");
        if (folder is null && !quiet)
        {
            Console.Error.WriteLine($"state: {path}");
        }

        CheckShape(path);
        var deadline = DateTime.UtcNow.AddSeconds(lockTimeoutSeconds);
        var announced = false;
        while (true)
        {
            try
            {
                return new RocksDbContractState(path);
            }
            catch (RocksDbException exception) when (IsLocked(exception))
            {
                // Said at the first refusal, before the deadline is looked at: on a loaded machine the first attempt alone
                // may outlast a short timeout, and the wait must still be announced.
                if (!announced && !quiet)
                {
                    Console.Error.WriteLine($"state: '{path}' is in use by another process; waiting up to {lockTimeoutSeconds:0.#} s");
                }

                announced = true;
                if (DateTime.UtcNow >= deadline)
                {
                    throw new CliFailure("StateError",
                        $"the state folder '{path}' is in use by another process (waited {lockTimeoutSeconds:0.#} s)");
                }

                Thread.Sleep(100);
            }
            catch (RocksDbException exception) when (IsNotWritable(exception.Message))
            {
                throw new CliFailure("StateError", $"the state folder '{path}' is not writable: {exception.Message.Trim()}");
            }
            catch (RocksDbException exception)
            {
                throw new CliFailure("StateError", $"the state folder '{path}' cannot be opened: {exception.Message.Trim()}");
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new CliFailure("StateError", $"the state folder '{path}' cannot be used: {exception.Message}");
            }
        }
    }

    /// <summary>A state folder is missing (it will be made), empty, or a RocksDB database; anything else is refused
    /// rather than filled with database files.</summary>
    private static void CheckShape(string path)
    {
        if (File.Exists(path))
        {
            throw new CliFailure("StateError", $"'{path}' is a file, not a state folder");
        }

        if (!Directory.Exists(path))
        {
            return;
        }

        try
        {
            var entries = Directory.EnumerateFileSystemEntries(path).Take(1).Any();
            if (entries && !File.Exists(Path.Combine(path, "CURRENT")))
            {
                throw new CliFailure("StateError", $"'{path}' is not a state folder (it holds other files and no RocksDB database)");
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure("StateError", $"the state folder '{path}' cannot be read: {exception.Message}");
        }
    }

    private static bool IsLocked(RocksDbException exception) =>
        exception.Message.Contains("lock", StringComparison.OrdinalIgnoreCase)
        && exception.Message.Contains("unavailable", StringComparison.OrdinalIgnoreCase);

    // RocksDB's messages carry a status prefix ("IO error: ", "Corruption: "): kept, they say what is wrong.
    private static bool IsNotWritable(string message) =>
        message.Contains("Permission denied", StringComparison.Ordinal) || message.Contains("Read-only file system", StringComparison.Ordinal);
}
