using System.CommandLine;
using Tos.Tbpf.Assembly;

namespace Tos.Tbpf.Cli.Commands;

/// <summary><c>tbpf asm FILE.s -o FILE.bin</c>.</summary>
internal static class AsmCommand
{
    public static Command Create()
    {
        var source = new Argument<FileInfo>("FILE") { Description = "Assembler text (uBPF/conformance or sbpf syntax)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the bytecode.", Required = true };
        var command = new Command("asm", "Assemble eBPF text into raw bytecode (8-byte slots).") { source, output };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(source)!;
            try
            {
                var bytes = Assembler.AssembleBytes(File.ReadAllText(file.FullName));
                File.WriteAllBytes(parse.GetValue(output)!.FullName, bytes);
                Console.WriteLine($"{bytes.Length / 8} instruction slots written");
                return ExitCodes.Ok;
            }
            catch (AssemblerException exception)
            {
                Console.Error.WriteLine($"{file.Name}: {exception.Message}");
                return ExitCodes.Usage;
            }
            catch (IOException exception)
            {
                Console.Error.WriteLine($"tbpf: {exception.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }
}
