using System.CommandLine;
using Tos.Tbpf.Cli;
using Tos.Tbpf.Cli.Commands;
using Tos.Tbpf.Cli.Commands.Devnet;

var root = new RootCommand("tbpf: the TOS contract VM. Assemble, disassemble, verify and run eBPF programs.");
root.Subcommands.Add(AsmCommand.Create());
root.Subcommands.Add(DisasmCommand.Create());
root.Subcommands.Add(VerifyCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(TraceCommand.Create());
root.Subcommands.Add(ProfileCommand.Create());
root.Subcommands.Add(NewCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(ConformancePluginCommand.Create());
root.Subcommands.Add(DeployCommand.Create());
root.Subcommands.Add(CreditCommand.Create());
root.Subcommands.Add(InvokeCommand.Create());
root.Subcommands.Add(BlockCommand.Create());
root.Subcommands.Add(StateCommand.Create());
root.Subcommands.Add(TokenDemoCommand.Create());
root.Subcommands.Add(FuzzCommand.Create());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    var messages = parse.Errors.Select(e => ParseErrors.Describe(e.Message)).ToList();
    // A script that asked for JSON gets its one JSON line even when the command line itself is wrong.
    if (args.Contains("--json"))
    {
        Console.WriteLine(Tos.Tbpf.Cli.Commands.JsonLine.Write(w =>
        {
            w.WriteBoolean("ok", false);
            w.WriteString("error", "UsageError");
            w.WriteString("message", string.Join("; ", messages));
        }));
        return ExitCodes.Usage;
    }

    foreach (var message in messages)
    {
        Console.Error.WriteLine($"tbpf: {message}");
    }

    Console.Error.WriteLine("Run 'tbpf --help' or 'tbpf COMMAND --help' for usage.");
    return ExitCodes.Usage;
}

return parse.Invoke();
