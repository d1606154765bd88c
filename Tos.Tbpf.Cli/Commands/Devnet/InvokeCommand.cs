using System.CommandLine;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary>
/// <c>tbpf invoke HASH</c>: run a deployed contract as a transaction of <c>--sender</c> with <c>--deposit</c>s at
/// <c>--height</c>, committing its changes if it exits with 0. Exit code 0 committed, 1 ran but rolled back (VM error,
/// non-zero exit, or a deposit the sender cannot pay), 2 usage, load or state error, 3 the engines differ
/// (<c>--engine both</c>: each engine runs over its own overlay, every effect is compared, one commit follows).
/// </summary>
internal static class InvokeCommand
{
    public static Command Create()
    {
        var contract = new Argument<string>("HASH") { Description = "The contract's id (from deploy)." };
        var inputHex = DevnetOptions.InputHex();
        var inputFile = DevnetOptions.InputFile();
        var sender = DevnetOptions.Sender();
        var deposits = DevnetOptions.Deposits();
        var height = DevnetOptions.Height();
        var budget = DevnetOptions.Budget($"Compute units (1 to {ContractHost.MaxBudget}; default {ContractHost.DefaultBudget}).");
        var engine = CommonOptions.Engine();
        var state = StateFolder.Option();
        var lockTimeout = StateFolder.LockTimeout();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("invoke", "Run a deployed contract; commit its changes if it exits with 0.")
        {
            contract, inputHex, inputFile, sender, deposits, height, budget, engine, state, lockTimeout, json,
        };
        command.SetAction(parse => DevnetAction.Run(parse.GetValue(json), () =>
        {
            var hash = DevnetOptions.ParseHash(parse.GetValue(contract)!, "HASH");
            var input = DevnetOptions.ReadInput(parse.GetValue(inputFile), parse.GetValue(inputHex));
            var depositList = DevnetOptions.ParseDeposits(parse.GetValue(deposits));
            var units = DevnetOptions.ParseBudget(parse.GetValue(budget));
            var blockHeight = parse.GetValue(height) is { } text ? DevnetOptions.ParseAmount(text, "--height") : 0;
            var from = DevnetOptions.ParseSender(parse.GetValue(sender));
            // The transaction's hash covers what it does, so two different invocations never share one.
            var txHash = Hash32.Of([.. from.ToBytes(), .. hash.ToBytes(), .. BitConverter.GetBytes(blockHeight), .. input]);
            var chain = new ChainContext(txHash, from, Hash32.Zero, blockHeight);
            var engineName = parse.GetValue(engine)!;
            var quiet = parse.GetValue(json);
            using var store = StateFolder.Open(parse.GetValue(state), parse.GetValue(lockTimeout), quiet);
            if (engineName == "both")
            {
                return Both(store, hash, input, depositList, units, chain, quiet);
            }

            var host = new ContractHost(store, CommonOptions.ParseEngine(engineName));
            RequireDeployed(host, hash);
            var result = host.Invoke(hash, input, depositList, units, chain);
            Report(result, host.EngineName, quiet, SourceOf(host, hash, result));
            return result.Committed ? ExitCodes.Ok : ExitCodes.RuntimeError;
        }));
        return command;
    }

    private static int Both(IContractState store, Hash32 contract, byte[] input, IReadOnlyList<Deposit> deposits, ulong budget,
        ChainContext chain, bool json)
    {
        var interpreter = new ContractHost(store, EngineKind.Interpreter);
        var jit = new ContractHost(store, EngineKind.Jit);
        RequireDeployed(interpreter, contract);
        var reference = interpreter.Simulate(contract, input, deposits, budget, chain);
        var candidate = jit.Simulate(contract, input, deposits, budget, chain);
        var differences = new List<string>();
        if (reference.Result.Describe() != candidate.Result.Describe())
        {
            differences.Add("the results differ");
        }

        if (!reference.Changes.Select(Describe).SequenceEqual(candidate.Changes.Select(Describe)))
        {
            differences.Add("the state changes differ");
        }

        if (differences.Count > 0)
        {
            return DivergenceReport.Print(" (nothing committed)", reference.Result.Describe(), candidate.Result.Describe(), differences);
        }

        // One commit, of the interpreter's run (the JIT's is identical); the folder is held, so nothing moved meanwhile.
        if (reference.Result.Committed && !interpreter.TryCommit(reference))
        {
            throw new CliFailure("StateError", "the state changed while the engines ran; nothing committed");
        }

        Report(reference.Result, "interpreter and jit agree", json, SourceOf(interpreter, contract, reference.Result));
        return reference.Result.Committed ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    private static void RequireDeployed(ContractHost host, Hash32 contract)
    {
        if (!host.IsDeployed(contract))
        {
            throw new CliFailure("UsageError", $"no contract {contract} in this state; deploy it first");
        }
    }

    /// <summary>Where a failed run stopped in the contract's source, when the object says.</summary>
    public static Elf.Dwarf.SourceLocation? SourceOf(ContractHost host, Hash32 contract, InvocationResult result) =>
        result.Error is { } error ? host.SourceOf(contract, error.Pc) : null;

    private static void Report(InvocationResult result, string engine, bool json, Elf.Dwarf.SourceLocation? source)
    {
        if (json)
        {
            Console.WriteLine(JsonLine.Write(w =>
            {
                w.WriteString("engine", engine);
                InvocationJson.Write(w, result, source);
            }));
        }
        else
        {
            InvocationJson.Print(result, engine, source);
        }
    }

    private static string Describe(KeyValuePair<byte[], byte[]?> change) =>
        $"{Convert.ToHexString(change.Key)}={(change.Value is null ? "deleted" : Convert.ToHexString(change.Value))}";
}
