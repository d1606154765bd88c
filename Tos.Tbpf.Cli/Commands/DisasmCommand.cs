using System.CommandLine;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Memory;

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
                        WithStrings(executable), showPcs: true, headings: SourceLines(executable), profile: selected));
                    return ExitCodes.Ok;
                }

                if (bytes.Length % Decoder.SlotSize != 0)
                {
                    Console.Error.WriteLine($"tbpf: {bytes.Length} bytes is not a whole number of 8-byte slots");
                    return ExitCodes.Usage;
                }

                var registry = StandardSyscalls.For(selected);
                Console.Write(Disassembler.Disassemble(Decoder.Decode(bytes, selected), registry, showPcs: true, profile: selected));
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

    /// <summary>A comment before the first instruction of each source line: <c>file:line (function)</c>.</summary>
    private static Dictionary<long, string> SourceLines(Programs.Executable executable)
    {
        var headings = new Dictionary<long, string>();
        if (!executable.SourceMap.HasLines)
        {
            return headings;
        }

        Elf.Dwarf.SourceLocation? previous = null;
        for (var pc = 0; pc < executable.Instructions.Length; pc++)
        {
            var location = executable.SourceMap.Find(pc);
            if (location?.File is not null && (location.File, location.Line) != (previous?.File, previous?.Line))
            {
                headings[pc] = location.ToString();
            }

            previous = location;
        }

        return headings;
    }

    /// <summary>The relocation notes, each lddw of read-only data followed by the string it points at, when it is one.</summary>
    private static Dictionary<long, string> WithStrings(Programs.Executable executable)
    {
        var notes = new Dictionary<long, string>(executable.RelocationNotes);
        foreach (var (pc, note) in executable.RelocationNotes)
        {
            var instruction = executable.Instructions[pc];
            if (instruction.Op == Op.Lddw && (ulong)instruction.Imm >> MemoryMap.RegionShift == MemoryMap.ProgramIndex
                && StringAt(executable.ProgramRegion, (long)((ulong)instruction.Imm & 0xffff_ffff)) is { } text)
            {
                notes[pc] = $"{note} {text}";
            }
        }

        return notes;
    }

    // A NUL-terminated run of printable ASCII (up to 60 shown), quoted; null when the bytes are not text.
    private static string? StringAt(byte[] region, long offset)
    {
        if (offset < 0 || offset >= region.Length)
        {
            return null;
        }

        var bytes = region.AsSpan((int)offset);
        var end = bytes.IndexOf((byte)0);
        if (end <= 0 || bytes[..end].ContainsAnyExceptInRange((byte)0x20, (byte)0x7e))
        {
            return null;
        }

        var text = System.Text.Encoding.ASCII.GetString(bytes[..Math.Min(end, 60)]).Replace("\\", "\\\\").Replace("\"", "\\\"");
        return $"\"{text}{(end > 60 ? "…" : "")}\"";
    }
}
