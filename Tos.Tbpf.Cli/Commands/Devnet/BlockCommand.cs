using System.CommandLine;
using Tos.Tbpf.Host;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary>
/// <c>tbpf block BLOCK.json</c>: runs a block's transactions (in parallel with <c>--threads</c>; the results are those of
/// running them one after another in block order) and commits the block. Exit code 0 when the block ran (whatever each
/// transaction's outcome), 2 on a usage, block file or state error.
/// </summary>
internal static class BlockCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("BLOCK") { Description = "The block, as JSON (see tbpf block --help)." };
        var threads = new Option<string?>("--threads") { Description = "Threads to execute on (default 1)." };
        var engine = CommonOptions.Engine();
        var state = StateFolder.Option();
        var lockTimeout = StateFolder.LockTimeout();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: every transaction's outcome and the state digest." };
        var command = new Command("block", """
            Execute a block of invocations and commit it. BLOCK.json is {"height":N,"transactions":[{"sender":"<64 hex>",
            "contract":"<64 hex>","input":"<hex>","budget":N,"deposits":[{"asset":"<64 hex>","amount":N}]}]}; input, budget
            (default 200000) and deposits are optional.
            """)
        {
            file, threads, engine, state, lockTimeout, json,
        };
        command.SetAction(parse => DevnetAction.Run(parse.GetValue(json), () =>
        {
            var count = parse.GetValue(threads) is { } text ? (int)Math.Min(DevnetOptions.ParseAmount(text, "--threads"), int.MaxValue) : 1;
            if (count is < 1 or > 256)
            {
                throw new CliFailure("UsageError", "--threads must be 1 to 256");
            }

            var engineName = parse.GetValue(engine)!;
            if (engineName == "both")
            {
                throw new CliFailure("UsageError", "--engine both compares single invocations (tbpf invoke); run a block with one engine");
            }

            var path = parse.GetValue(file)!.FullName;
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new CliFailure("UsageError", $"cannot read '{path}': {exception.Message}");
            }

            var (block, transactions) = BlockFile.Parse(bytes);
            var quiet = parse.GetValue(json);
            using var store = StateFolder.Open(parse.GetValue(state), parse.GetValue(lockTimeout), quiet);
            var host = new ContractHost(store, CommonOptions.ParseEngine(engineName));
            var results = host.ExecuteBlock(block, transactions, count);
            var digest = host.StateDigest();
            if (quiet)
            {
                Console.WriteLine(JsonLine.Write(w =>
                {
                    w.WriteStartArray("transactions");
                    for (var i = 0; i < results.Count; i++)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("index", i);
                        InvocationJson.Write(w, results[i], InvokeCommand.SourceOf(host, transactions[i].Payload.Contract, results[i]));
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteString("engine", host.EngineName);
                    w.WriteString("stateDigest", digest.Hex);
                }));
            }
            else
            {
                for (var i = 0; i < results.Count; i++)
                {
                    Console.WriteLine($"transaction {i}:");
                    InvocationJson.Print(results[i], host.EngineName, InvokeCommand.SourceOf(host, transactions[i].Payload.Contract, results[i]));
                }

                Console.WriteLine($"block {block.Height}: {results.Count(r => r.Committed)} of {results.Count} committed; state digest {digest}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
