using System.CommandLine;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Cli.Commands;

/// <summary><c>tbpf disasm FILE.bin</c>.</summary>
internal static class DisasmCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("FILE") { Description = "Raw bytecode (8-byte slots)." };
        var profile = CommonOptions.Profile();
        var command = new Command("disasm", "Disassemble raw bytecode into text that 'tbpf asm' reads back to the same bytes.")
        {
            input, profile,
        };
        command.SetAction(parse =>
        {
            try
            {
                var bytes = File.ReadAllBytes(parse.GetValue(input)!.FullName);
                if (bytes.Length % Decoder.SlotSize != 0)
                {
                    Console.Error.WriteLine($"tbpf: {bytes.Length} bytes is not a whole number of 8-byte slots");
                    return ExitCodes.Usage;
                }

                var registry = StandardSyscalls.For(CommonOptions.ParseProfile(parse.GetValue(profile)!));
                Console.Write(Disassembler.Disassemble(Decoder.Decode(bytes), registry));
                return ExitCodes.Ok;
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
