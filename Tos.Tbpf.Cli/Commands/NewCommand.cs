using System.CommandLine;
using System.Text.RegularExpressions;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf new NAME</c>: a contract project that builds and runs as it is: NAME.c (a small contract that keeps a
/// counter in storage), the SDK header, build.sh with the clang flags TBPF needs, and a README with the everyday loop.
/// </summary>
internal static partial class NewCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The contract's name: letters, digits, '_' and '-', starting with a letter." };
        var into = new Option<DirectoryInfo?>("--into") { Description = "The folder to create the project in (default: ./NAME)." };
        var command = new Command("new", "Create a contract project: C source, SDK header, build script and README.") { name, into };
        command.SetAction(parse =>
        {
            var project = parse.GetValue(name)!;
            if (!ValidName().IsMatch(project))
            {
                Console.Error.WriteLine($"UsageError: '{project}' is not a contract name (a letter, then letters, digits, '_' or '-'; 64 at most)");
                return ExitCodes.Usage;
            }

            var folder = parse.GetValue(into)?.FullName ?? Path.GetFullPath(project);
            try
            {
                if (File.Exists(folder) || (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()))
                {
                    Console.Error.WriteLine($"UsageError: '{folder}' exists and is not an empty folder");
                    return ExitCodes.Usage;
                }

                Write(folder, project);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"UsageError: cannot create '{folder}': {exception.Message}");
                return ExitCodes.Usage;
            }

            Console.WriteLine($"created {folder}: {project}.c, include/tos/tos.h, build.sh, README.md");
            Console.WriteLine($"next: cd {Path.GetRelativePath(Environment.CurrentDirectory, folder)} && ./build.sh && tbpf run {project}.o --input-hex 05");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Write(string folder, string name)
    {
        Directory.CreateDirectory(Path.Combine(folder, "include", "tos"));
        File.WriteAllText(Path.Combine(folder, "include", "tos", "tos.h"), Resource("tos.h"));
        File.WriteAllText(Path.Combine(folder, name + ".c"), Source(name));
        var build = Path.Combine(folder, "build.sh");
        File.WriteAllText(build, BuildScript(name));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(build, File.GetUnixFileMode(build) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        File.WriteAllText(Path.Combine(folder, "README.md"), Readme(name));
    }

    // The counter contract of native-contracts, which the tests run on both engines, renamed.
    private static string Source(string name) => Resource("counter.c").Replace("/* counter:", $"/* {name}:", StringComparison.Ordinal);

    private static string Resource(string name)
    {
        using var stream = typeof(NewCommand).Assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // -fno-builtin: no calls to memcpy/memset the VM does not have; -mllvm -bpf-stack-size=4096: TBPF's frames are 4 KiB,
    // clang assumes the kernel's 512 bytes; -g: errors, trace and profile name the C line (-fdebug-compilation-dir=.: as
    // a path relative to the project, the same wherever it is built).
    private static string BuildScript(string name) => $$"""
        #!/bin/sh
        # Builds {{name}}.o for TBPF. clang 19 with the BPF target (Debian: apt-get install clang-19).
        set -e
        cd "$(dirname "$0")"
        clang-19 -target bpf -mcpu=v3 -O2 -g -fdebug-compilation-dir=. -fno-builtin -mllvm -bpf-stack-size=4096 -Iinclude -c {{name}}.c -o {{name}}.o
        echo "built {{name}}.o"

        """;

    private static string Readme(string name) => $$"""
        # {{name}}

        A TOS contract in C, for the TBPF virtual machine.

        ```sh
        ./build.sh                                        # clang-19 -> {{name}}.o (with -g: errors name the C line)
        tbpf run {{name}}.o --input-hex 05 --engine both  # run once on the interpreter and the JIT
        tbpf trace {{name}}.o --input-hex 05              # every instruction, with source lines and changed registers
        tbpf profile {{name}}.o --input-hex 05            # compute units per function and per line
        tbpf deploy {{name}}.o --state ./devnet           # then: tbpf invoke ID --input-hex 05 --state ./devnet
        ```

        The flags in build.sh matter: `-fno-builtin` keeps clang from calling memcpy/memset (the VM has none; use
        tos_memcpy), and `-mllvm -bpf-stack-size=4096` lets functions use TBPF's 4 KiB stack frames (clang's default is
        the kernel's 512 bytes). The syscalls and helpers are in include/tos/tos.h.

        """;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex ValidName();
}
