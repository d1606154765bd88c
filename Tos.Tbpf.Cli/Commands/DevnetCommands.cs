using System.CommandLine;
using System.Text;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Host;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf.Cli.Commands;

/// <summary><c>tbpf deploy</c>, <c>tbpf invoke</c>, <c>tbpf state</c>: a one-node devnet over a persistent state folder.</summary>
internal static class DevnetCommands
{
    public static Command Deploy()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The contract's ELF object." };
        var state = StateOptions.Folder();
        var command = new Command("deploy", "Verify, compile and store a contract; print its hash.") { file, state };
        command.SetAction(parse =>
        {
            try
            {
                using var store = StateOptions.Open(parse.GetValue(state), quiet: false);
                var hash = new ContractHost(store).Deploy(File.ReadAllBytes(parse.GetValue(file)!.FullName));
                Console.WriteLine(hash);
                return ExitCodes.Ok;
            }
            catch (Exception exception) when (exception is ElfException or VerifierException or IOException)
            {
                Console.Error.WriteLine($"tbpf: {exception.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    public static Command Invoke()
    {
        var contract = new Argument<string>("HASH") { Description = "The contract's hash (from deploy)." };
        var inputHex = new Option<string?>("--input-hex") { Description = "The input as hex bytes." };
        var budget = new Option<ulong>("--budget")
        {
            Description = $"Compute units (1 to {ContractHost.MaxBudget}).",
            DefaultValueFactory = _ => ContractHost.DefaultBudget,
        };
        var engine = CommonOptions.Engine();
        var state = StateOptions.Folder();
        var json = new Option<bool>("--json") { Description = "Print one JSON line." };
        var command = new Command("invoke", "Run a deployed contract; commit its changes if it exits with 0.")
        {
            contract, inputHex, budget, engine, state, json,
        };
        command.SetAction(parse =>
        {
            try
            {
                var hash = StateOptions.ParseHash(parse.GetValue(contract)!);
                var input = Hex.TryParse(parse.GetValue(inputHex) ?? "") ?? throw new CliFailure("UsageError", "--input-hex: expected hex bytes");
                var kind = CommonOptions.ParseEngine(parse.GetValue(engine)!);
                if (parse.GetValue(budget) is 0 or > ContractHost.MaxBudget)
                {
                    throw new CliFailure("UsageError", $"--budget must be 1 to {ContractHost.MaxBudget}");
                }

                using var store = StateOptions.Open(parse.GetValue(state), quiet: parse.GetValue(json));
                var host = new ContractHost(store, kind);
                if (!host.IsDeployed(hash))
                {
                    throw new CliFailure("UsageError", $"no contract {hash} in this state; deploy it first");
                }

                var result = host.Invoke(hash, input, budget: parse.GetValue(budget));
                Print(result, parse.GetValue(json));
                return result.Error is null && result.Failure is null ? ExitCodes.Ok : ExitCodes.RuntimeError;
            }
            catch (CliFailure failure)
            {
                Console.Error.WriteLine($"{failure.Kind}: {failure.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    public static Command State()
    {
        var contract = new Argument<string>("HASH") { Description = "The contract's hash." };
        var state = StateOptions.Folder();
        var command = new Command("state", "Print a contract's storage and balances.") { contract, state };
        command.SetAction(parse =>
        {
            try
            {
                var hash = StateOptions.ParseHash(parse.GetValue(contract)!);
                using var store = StateOptions.Open(parse.GetValue(state), quiet: false);
                var host = new ContractHost(store);
                if (!host.IsDeployed(hash))
                {
                    throw new CliFailure("UsageError", $"no contract {hash} in this state");
                }

                Console.WriteLine($"contract {hash}");
                foreach (var (key, value) in host.Storage(hash))
                {
                    Console.WriteLine($"storage {Printable(key)} = {Convert.ToHexStringLower(value)}");
                }

                foreach (var (asset, amount) in host.Balances(hash))
                {
                    Console.WriteLine($"balance {asset} = {amount}");
                }

                return ExitCodes.Ok;
            }
            catch (CliFailure failure)
            {
                Console.Error.WriteLine($"{failure.Kind}: {failure.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static void Print(InvocationResult result, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonLine.Write(w =>
            {
                w.WriteBoolean("committed", result.Committed);
                if (result.ExitCode is { } code)
                {
                    w.WriteNumber("exitCode", code);
                }

                w.WriteNumber("cu", result.ComputeUnits);
                w.WriteNumber("refund", result.Refund);
                if (result.Error is { } error)
                {
                    w.WriteString("error", error.Kind.ToString());
                    w.WriteNumber("pc", error.Pc);
                    w.WriteString("message", error.Message);
                }

                w.WriteStartArray("logs");
                foreach (var log in result.Logs)
                {
                    w.WriteStringValue(log);
                }

                w.WriteEndArray();
                w.WriteNumber("events", result.Events.Count);
            }));
            return;
        }

        foreach (var log in result.Logs)
        {
            Console.WriteLine($"log: {log}");
        }

        foreach (var e in result.Events)
        {
            Console.WriteLine($"event: {Printable(e.Topic)} {Convert.ToHexStringLower(e.Data)}");
        }

        Console.WriteLine(result.Failure ?? (result.Error is { } failure
            ? $"error: {failure.Kind} at pc {failure.Pc}: {failure.Message}"
            : $"exit code: {result.ExitCode}"));
        Console.WriteLine($"compute units: {result.ComputeUnits} (refund {result.Refund}); {(result.Committed ? "committed" : "nothing committed")}");
    }

    private static string Printable(byte[] bytes) =>
        bytes.All(b => b is >= 0x20 and < 0x7f) ? Encoding.ASCII.GetString(bytes) : "0x" + Convert.ToHexStringLower(bytes);
}
