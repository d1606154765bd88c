using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf token-demo FILE.o</c>: part of the main job. Deploys the token contract on every engine and runs a scenario in
/// which the chain, not the input, says who is acting: the admin initialises and mints, alice pays bob, mallory tries to
/// mint and to spend what is not hers and is refused, bob overdraws and is refused, carol deposits gold and wraps it.
/// Every refused step must leave the state unchanged.
/// </summary>
internal static class TokenDemoCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The token contract's ELF object (native-contracts/out/v3-O2/token.o)." };
        var command = new Command("token-demo", "Run the token scenario (two senders, one refused; deposits) on every engine.") { file };
        command.SetAction(parse => Run(File.ReadAllBytes(parse.GetValue(file)!.FullName)));
        return command;
    }

    private static readonly (string Name, Hash32 Account)[] People =
        [("admin", Account("admin")), ("alice", Account("alice")), ("bob", Account("bob")), ("mallory", Account("mallory")), ("carol", Account("carol"))];

    private static readonly Hash32 Gold = Account("gold");

    private static Hash32 Who(string name) => People.Single(p => p.Name == name).Account;

    private static readonly (string Sender, string Step, byte[] Input, Deposit[] Deposits, ulong ExpectedExit)[] Steps =
    [
        ("admin", "init, backed by gold", [0, .. Gold.ToBytes()], [], 0),
        ("admin", "mint 1000 to alice", [1, .. Who("alice").ToBytes(), .. Amount(1000)], [], 0),
        ("mallory", "mint 1000 to mallory", [1, .. Who("mallory").ToBytes(), .. Amount(1000)], [], 2),
        ("alice", "transfer 300 to bob", [2, .. Who("bob").ToBytes(), .. Amount(300)], [], 0),
        ("mallory", "transfer 100 to mallory", [2, .. Who("mallory").ToBytes(), .. Amount(100)], [], 3),
        ("bob", "transfer 500 to alice (overdraft)", [2, .. Who("alice").ToBytes(), .. Amount(500)], [], 3),
        ("carol", "deposit 50 gold and wrap it", [4], [new Deposit(Gold, 50)], 0),
        ("carol", "balance of alice", [3, .. Who("alice").ToBytes()], [], 0),
        ("carol", "balance of carol", [3, .. Who("carol").ToBytes()], [], 0),
    ];

    private static int Run(byte[] token)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 160;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("engine").AddColumn("sender").AddColumn("step")
            .AddColumn("exit code").AddColumn("committed").AddColumn(new TableColumn("compute units").RightAligned()).AddColumn("effects");
        var problems = 0;
        foreach (var engine in Engines.Available)
        {
            var state = new InMemoryContractState();
            var host = new ContractHost(state, engine.Name == "jit" ? EngineKind.Jit : EngineKind.Interpreter);
            host.Credit(Who("carol"), Gold, 80);
            var contract = host.Deploy(token);
            foreach (var (sender, step, input, deposits, expected) in Steps)
            {
                var before = state.Digest();
                var chain = new ChainContext(Hash32.Of([.. Who(sender).ToBytes(), .. input]), Who(sender), Hash32.Zero, 1);
                var result = host.Invoke(contract, input, deposits, chain: chain);
                var unchanged = !result.Committed && state.Digest() == before;
                var ok = result.ExitCode == expected && (expected == 0 ? result.Committed : unchanged);
                problems += ok ? 0 : 1;
                var effects = result.Logs.Concat(result.Transfers.Select(t =>
                    $"{t.Amount} {Name(t.Asset, contract)} {Name(t.From, contract)}→{Name(t.To, contract)}"));
                table.AddRow(engine.Name, sender, Markup.Escape(step),
                    ok ? $"{result.ExitCode}" : $"[red]{result.ExitCode} (expected {expected})[/]",
                    result.Committed ? "yes" : unchanged ? "refused, state unchanged" : "[red]no[/]",
                    result.ComputeUnits.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join("; ", effects)));
            }
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(problems == 0
            ? "[green]the token scenario behaved as expected on every engine: the sender comes from the chain, refusals change nothing[/]"
            : $"[red]{problems} step(s) misbehaved[/]");
        return problems == 0 ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    private static string Name(Hash32 account, Hash32 contract) =>
        account == Gold ? "gold" : account == contract ? "token" : People.FirstOrDefault(p => p.Account == account).Name ?? account.Hex[..8];

    private static Hash32 Account(string name) => Hash32.Of(System.Text.Encoding.UTF8.GetBytes(name));

    private static byte[] Amount(ulong value) => BitConverter.GetBytes(value);
}
