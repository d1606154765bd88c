using System.CommandLine;
using Tos.Tbpf.Host;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary><c>tbpf state [HASH]</c>: the state digest, and a contract's storage and balances when one is named.</summary>
internal static class StateCommand
{
    public static Command Create()
    {
        var contract = new Argument<string?>("HASH") { Description = "A contract's id (optional).", Arity = ArgumentArity.ZeroOrOne };
        var state = StateFolder.Option();
        var lockTimeout = StateFolder.LockTimeout();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("state", "Print the state digest, and a contract's storage and balances.") { contract, state, lockTimeout, json };
        command.SetAction(parse => DevnetAction.Run(parse.GetValue(json), () =>
        {
            var named = parse.GetValue(contract) is { } text ? DevnetOptions.ParseHash(text, "HASH") : (State.Hash32?)null;
            var quiet = parse.GetValue(json);
            using var store = StateFolder.Open(parse.GetValue(state), parse.GetValue(lockTimeout), quiet);
            var host = new ContractHost(store);
            if (named is { } hash && !host.IsDeployed(hash))
            {
                throw new CliFailure("UsageError", $"no contract {hash} in this state");
            }

            var digest = host.StateDigest();
            var storage = named is { } id ? host.Storage(id) : [];
            var balances = named is { } owner ? host.Balances(owner) : [];
            if (quiet)
            {
                Console.WriteLine(JsonLine.Write(w =>
                {
                    w.WriteString("stateDigest", digest.Hex);
                    if (named is { } id)
                    {
                        w.WriteString("contract", id.Hex);
                        w.WriteStartArray("storage");
                        foreach (var (key, value) in storage)
                        {
                            w.WriteStartObject();
                            w.WriteString("key", Convert.ToHexStringLower(key));
                            w.WriteString("value", Convert.ToHexStringLower(value));
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                        w.WriteStartArray("balances");
                        foreach (var (asset, amount) in balances)
                        {
                            w.WriteStartObject();
                            w.WriteString("asset", asset.Hex);
                            w.WriteNumber("amount", amount);
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                    }
                }));
                return ExitCodes.Ok;
            }

            Console.WriteLine($"state digest {digest}");
            if (named is { } which)
            {
                Console.WriteLine($"contract {which}");
                foreach (var (key, value) in storage)
                {
                    Console.WriteLine($"storage {InvocationJson.Printable(key)} = {Convert.ToHexStringLower(value)}");
                }

                foreach (var (asset, amount) in balances)
                {
                    Console.WriteLine($"balance {asset} = {amount}");
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
