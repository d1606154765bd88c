using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf token-demo FILE.o</c>: part of the main job. Deploys the token contract on every engine, initialises it,
/// mints, transfers, shows balances and attempts an overdraft that must change nothing; prints compute units.
/// </summary>
internal static class TokenDemoCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The token contract's ELF object (native-contracts/out/v3-O2/token.o)." };
        var command = new Command("token-demo", "Run the token scenario (deploy, mint, transfer, a failing transfer) on every engine.") { file };
        command.SetAction(parse => Run(File.ReadAllBytes(parse.GetValue(file)!.FullName)));
        return command;
    }

    private static readonly byte[] Admin = Account(0xad), Alice = Account(0xa1), Bob = Account(0xb0);

    private static readonly (string Step, byte[] Input, ulong ExpectedExit)[] Steps =
    [
        ("init (admin)", [0, .. Admin], 0),
        ("mint 1000 to alice", [1, .. Admin, .. Alice, .. Amount(1000)], 0),
        ("transfer 300 alice -> bob", [2, .. Alice, .. Bob, .. Amount(300)], 0),
        ("balance of alice", [3, .. Alice], 0),
        ("balance of bob", [3, .. Bob], 0),
        ("transfer 500 bob -> alice (overdraft)", [2, .. Bob, .. Alice, .. Amount(500)], 3),
        ("balance of bob", [3, .. Bob], 0),
    ];

    private static int Run(byte[] token)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 160;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("engine").AddColumn("step").AddColumn("exit code")
            .AddColumn("committed").AddColumn(new TableColumn("compute units").RightAligned()).AddColumn("logs");
        var problems = 0;
        foreach (var engine in Engines.Available)
        {
            var state = new InMemoryContractState();
            var host = new ContractHost(state, engine.Name == "jit" ? EngineKind.Jit : EngineKind.Interpreter);
            var contract = host.Deploy(token);
            foreach (var (step, input, expected) in Steps)
            {
                var before = Snapshot(state);
                var result = host.Invoke(contract, input);
                var unchanged = !result.Committed && Snapshot(state) == before;
                var ok = result.ExitCode == expected && (expected == 0 ? result.Committed : unchanged);
                problems += ok ? 0 : 1;
                table.AddRow(engine.Name, Markup.Escape(step), ok ? $"{result.ExitCode}" : $"[red]{result.ExitCode} (expected {expected})[/]",
                    result.Committed ? "yes" : unchanged ? "no, state unchanged" : "[red]no[/]",
                    result.ComputeUnits.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join("; ", result.Logs)));
            }
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(problems == 0 ? "[green]the token scenario behaved as expected on every engine[/]" : $"[red]{problems} step(s) misbehaved[/]");
        return problems == 0 ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    private static string Snapshot(InMemoryContractState state) =>
        string.Join(',', state.Scan([]).Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)));

    private static byte[] Account(byte id) => Enumerable.Repeat(id, 32).ToArray();

    private static byte[] Amount(ulong value) => BitConverter.GetBytes(value);
}
