using System.CommandLine;

namespace Tos.Tbpf.Cli.Commands;

/// <summary><c>tbpf verify FILE</c>.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var program = new Argument<string>("PROGRAM") { Description = "The program file." };
        var format = CommonOptions.Format();
        var profile = CommonOptions.Profile();
        var command = new Command("verify", "Load and verify a program without running it.") { program, format, profile };
        command.SetAction(parse =>
        {
            try
            {
                var selected = CommonOptions.ParseProfile(parse.GetValue(profile)!);
                var verified = ProgramLoader.Load(parse.GetValue(program)!, parse.GetValue(format), selected,
                    StandardSyscalls.For(selected), entry: null);
                Console.WriteLine($"ok: {verified.Executable.Instructions.Length} slots verified under the {selected.Name} profile");
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
}
