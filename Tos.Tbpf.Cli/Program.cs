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
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"tbpf: {error.Message}");
    }

    Console.Error.WriteLine("Run 'tbpf --help' or 'tbpf COMMAND --help' for usage.");
    return ExitCodes.Usage;
}

return parse.Invoke();
