using System.Text;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf.Cli;

/// <summary>Reads a program file in any of the CLI's formats and verifies it.</summary>
public static class ProgramLoader
{
    /// <summary>The formats <c>--format</c> accepts.</summary>
    public static readonly string[] Formats = ["elf", "asm", "raw"];

    /// <summary>Guesses the format: the ELF magic, else text, else raw 8-byte slots.</summary>
    public static string GuessFormat(byte[] content)
    {
        if (content.Length >= 4 && content[0] == 0x7f && content[1] == (byte)'E' && content[2] == (byte)'L' && content[3] == (byte)'F')
        {
            return "elf";
        }

        var looksLikeText = content.All(b => b is (byte)'\n' or (byte)'\r' or (byte)'\t' or >= 0x20 and < 0x7f);
        return looksLikeText ? "asm" : "raw";
    }

    /// <summary>Loads and verifies <paramref name="path"/>; throws <see cref="CliFailure"/> on any failure.</summary>
    public static VerifiedExecutable Load(string path, string? format, Profile profile, SyscallRegistry syscalls, string? entry)
    {
        if (Directory.Exists(path))
        {
            throw new CliFailure("UsageError", $"'{path}' is a folder, not a program file");
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure("UsageError", $"cannot read '{path}': {exception.Message}");
        }

        var executable = Build(content, format ?? GuessFormat(content), profile, syscalls, entry);
        try
        {
            return Vm.Load(executable);
        }
        catch (VerifierException exception)
        {
            throw new CliFailure("VerifierError", $"{exception.Kind}: {exception.Message}", exception.Pc >= 0 ? exception.Pc : null);
        }
    }

    private static Executable Build(byte[] content, string format, Profile profile, SyscallRegistry syscalls, string? entry)
    {
        switch (format)
        {
            case "asm":
            {
                AssembledProgram assembled;
                try
                {
                    assembled = Assembler.Assemble(Encoding.UTF8.GetString(content), profile);
                }
                catch (AssemblerException exception)
                {
                    throw new CliFailure("AssemblerError", exception.Message);
                }

                long? entryPc = null;
                if (entry is not null)
                {
                    entryPc = assembled.Labels.TryGetValue(entry, out var labelled)
                        ? labelled
                        : throw new CliFailure("UsageError", $"--entry '{entry}': no such label");
                }

                return Executable.FromAssembled(assembled, profile, syscalls, entryPc);
            }
            case "raw":
                if (entry is not null)
                {
                    throw new CliFailure("UsageError", "--entry needs symbols; raw bytecode has none (it starts at slot 0)");
                }

                return Executable.FromBytecode(content, profile, syscalls);
            case "elf":
                try
                {
                    return ElfLoader.Load(content, profile, syscalls, entry ?? ElfLoader.DefaultEntrypoint);
                }
                catch (ElfException exception)
                {
                    throw new CliFailure("ElfError", $"{exception.Kind}: {exception.Message}", exception.Pc);
                }
            default:
                throw new CliFailure("UsageError", $"unknown format '{format}' (elf, asm or raw)");
        }
    }
}
