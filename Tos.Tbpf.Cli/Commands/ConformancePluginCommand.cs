using System.CommandLine;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// The public bpf_conformance plugin protocol: the program arrives on stdin as hex text, the memory as the first
/// argument; it runs under RFC 9669 with r1 = a writable copy of the memory, r2 = its length and helper 5
/// registered. Prints r0 in hex and exits 0, or prints the error and exits 1.
/// </summary>
internal static class ConformancePluginCommand
{
    /// <summary>Enough for every conformance test, and a bound on a runaway program.</summary>
    private const ulong Budget = 100_000_000;

    public static Command Create()
    {
        var memory = new Argument<string[]>("MEM-HEX")
        {
            Description = "The memory as hex bytes (whitespace allowed); none when omitted.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var interpreter = new Option<bool>("--interpreter") { Description = "Run on the interpreter (the default)." };
        var jit = new Option<bool>("--jit") { Description = "Run on the JIT." };
        var command = new Command("conformance-plugin", "Run one program under the bpf_conformance plugin protocol.")
        {
            memory, interpreter, jit,
        };
        command.SetAction(parse =>
        {
            var kind = parse.GetValue(jit) ? EngineKind.Jit : EngineKind.Interpreter;
            var program = Hex.TryParse(Console.In.ReadToEnd());
            var bytes = Hex.TryParse(string.Join(' ', parse.GetValue(memory) ?? []));
            if (program is null || bytes is null)
            {
                Console.Error.WriteLine("tbpf: the program (stdin) and memory (argument) must be hex bytes");
                return ExitCodes.RuntimeError;
            }

            try
            {
                var profile = Profile.Rfc9669;
                var verified = Vm.Load(Executable.FromBytecode(program, profile, StandardSyscalls.For(profile)));
                var result = Vm.Run(verified, bytes, Budget, kind).Result;
                if (result.Error is { } error)
                {
                    Console.Error.WriteLine($"{error.Kind} at pc {error.Pc}: {error.Message}");
                    return ExitCodes.RuntimeError;
                }

                Console.WriteLine($"{result.R0:x}");
                return ExitCodes.Ok;
            }
            catch (VerifierException exception)
            {
                Console.Error.WriteLine($"VerifierError {exception.Kind}: {exception.Message}");
                return ExitCodes.RuntimeError;
            }
            catch (EngineUnavailableException exception)
            {
                Console.Error.WriteLine($"tbpf: {exception.Message}");
                return ExitCodes.RuntimeError;
            }
        });
        return command;
    }
}
