using System.CommandLine;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Profile() => new Option<string>("--profile")
    {
        Description = "Semantics: tbpf (TOS contracts) or rfc9669 (plain eBPF, as the conformance suite).",
        DefaultValueFactory = _ => "tbpf",
    }.AcceptOnlyFromAmongFluent("tbpf", "rfc9669");

    public static Option<string?> Format() => new Option<string?>("--format")
    {
        Description = "Program format: elf, asm or raw (8-byte slots). Guessed from the content when omitted.",
    }.AcceptOnlyFromAmongFluent(ProgramLoader.Formats);

    public static Option<string> Engine() => new Option<string>("--engine")
    {
        Description = "Engine: interpreter, jit, auto (the JIT where it exists, else the interpreter) "
            + "or both (run on both, fail with exit 3 if they differ in anything).",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmongFluent("interpreter", "jit", "auto", "both");

    public static Option<string?> Entry() => new("--entry")
    {
        Description = "The function to start at (a label or symbol name); the first instruction by default.",
    };

    public static Profile ParseProfile(string name) => Tos.Tbpf.Profile.ByName(name)
        ?? throw new CliFailure("UsageError", $"unknown profile '{name}'");

    public static EngineKind ParseEngine(string name) => name switch
    {
        "interpreter" => EngineKind.Interpreter,
        "jit" => EngineKind.Jit,
        _ => EngineKind.Auto,
    };

    private static Option<T> AcceptOnlyFromAmongFluent<T>(this Option<T> option, params string[] values)
    {
        option.AcceptOnlyFromAmong(values);
        return option;
    }
}
