using System.CommandLine;
using System.Globalization;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary>Options and arguments the devnet commands share, with their parsing (every bad value a <c>UsageError</c>).</summary>
internal static class DevnetOptions
{
    public static Option<string?> Sender() => new("--sender")
    {
        Description = "The account that sends the transaction and pays its deposits (64 hex digits; default all zero).",
    };

    public static Option<string[]> Deposits() => new("--deposit")
    {
        Description = "A deposit ASSET:AMOUNT (64 hex digits, a decimal amount), moved from the sender to the contract before it runs. Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string?> Height() => new("--height")
    {
        Description = "The block height the contract sees (default 0).",
    };

    public static Option<string?> Budget(string description) => new("--budget") { Description = description };

    public static Option<string?> InputHex() => new("--input-hex") { Description = "The input as hex bytes." };

    public static Option<FileInfo?> InputFile() => new("--input") { Description = "A file whose bytes are the input." };

    public static Hash32 ParseHash(string text, string what) =>
        Hash32.TryParse(text, out var hash) ? hash : throw new CliFailure("UsageError", $"{what}: '{text}' is not 64 hex digits");

    public static Hash32 ParseSender(string? text) => text is null ? Hash32.Zero : ParseHash(text, "--sender");

    public static ulong ParseAmount(string text, string what) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliFailure("UsageError", $"{what}: '{text}' is not a whole number from 0 to {ulong.MaxValue}");

    public static ulong ParseBudget(string? text)
    {
        if (text is null)
        {
            return ContractHost.DefaultBudget;
        }

        var budget = ParseAmount(text, "--budget");
        return budget is >= 1 and <= ContractHost.MaxBudget
            ? budget
            : throw new CliFailure("UsageError", $"--budget must be 1 to {ContractHost.MaxBudget}");
    }

    public static IReadOnlyList<Deposit> ParseDeposits(IEnumerable<string>? texts)
    {
        var deposits = new List<Deposit>();
        foreach (var text in texts ?? [])
        {
            var parts = text.Split(':');
            if (parts.Length != 2)
            {
                throw new CliFailure("UsageError", $"--deposit: '{text}' is not ASSET:AMOUNT");
            }

            var deposit = new Deposit(ParseHash(parts[0], "--deposit asset"), ParseAmount(parts[1], "--deposit amount"));
            if (deposit.Amount == 0 || deposits.Exists(d => d.Asset == deposit.Asset))
            {
                throw new CliFailure("UsageError", $"--deposit: '{text}': deposits are non-zero, one per asset");
            }

            deposits.Add(deposit);
        }

        return deposits;
    }

    public static byte[] ReadInput(FileInfo? file, string? hex)
    {
        if (file is not null && hex is not null)
        {
            throw new CliFailure("UsageError", "--input and --input-hex cannot be combined");
        }

        if (file is not null)
        {
            try
            {
                return File.ReadAllBytes(file.FullName);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new CliFailure("UsageError", $"cannot read the input '{file.FullName}': {exception.Message}");
            }
        }

        return hex is null ? [] : Hex.TryParse(hex) ?? throw new CliFailure("UsageError", "--input-hex: expected hex bytes (two digits each)");
    }
}
