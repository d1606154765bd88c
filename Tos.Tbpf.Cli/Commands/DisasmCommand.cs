using System.CommandLine;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Cli.Commands;

/// <summary><c>tbpf disasm FILE.bin</c>.</summary>
internal static class DisasmCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("FILE") { Description = "Raw bytecode (8-byte slots) or an ELF object." };
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
                var selected = CommonOptions.ParseProfile(parse.GetValue(profile)!);
                if (ProgramLoader.GuessFormat(bytes) == "elf")
                {
                    // Function labels from the symbols; calls and data references annotated with what they link to.
                    var executable = ElfLoader.Load(bytes, selected, StandardSyscalls.For(selected), allowUnknownSyscalls: true);
                    Console.Write(Disassembler.Disassemble(executable.Instructions, executable.Syscalls, executable.FunctionNames,
                        executable.RelocationNotes));
                    return ExitCodes.Ok;
                }

                if (bytes.Length % Decoder.SlotSize != 0)
                {
                    Console.Error.WriteLine($"tbpf: {bytes.Length} bytes is not a whole number of 8-byte slots");
                    return ExitCodes.Usage;
                }

                var registry = StandardSyscalls.For(selected);
                Console.Write(Disassembler.Disassemble(Decoder.Decode(bytes), registry));
                return ExitCodes.Ok;
            }
            catch (ElfException exception)
            {
                Console.Error.WriteLine($"ElfError {exception.Kind}: {exception.Message}");
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
