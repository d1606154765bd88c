using System.CommandLine;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Profile() => new Option<string>("--profile")
    {
        Description = "Semantics: tbpf (TOS contracts), rfc9669 (plain eBPF, as the conformance suite), or Solana's "
            + "sbpfv0, sbpfv3, sbpfv4 (docs/solana.md).",
        DefaultValueFactory = _ => "tbpf",
    }.AcceptOnlyFromAmongFluent([.. Tos.Tbpf.Profile.Names]);

    public static Option<int?> MaxCallDepth() => new("--max-call-depth")
    {
        Description = "Call frames including the entry frame (sbpf's max_call_depth; default 64).",
    };

    public static Option<int?> StackFrameSize() => new("--stack-frame-size")
    {
        Description = "Bytes per stack frame (sbpf's stack_frame_size; default 4096; a power of two under sbpfv0).",
    };

    /// <summary>The profile with the frame settings given on the command line, checked (<see cref="Tos.Tbpf.Profile.Validate"/>).</summary>
    public static Profile WithFrames(Profile profile, int? maxCallDepth, int? stackFrameSize)
    {
        if (maxCallDepth is null && stackFrameSize is null)
        {
            return profile;
        }

        var configured = profile with
        {
            MaxCallFrames = maxCallDepth ?? profile.MaxCallFrames,
            StackFrameSize = stackFrameSize ?? profile.StackFrameSize,
        };
        return configured.Validate() is { } problem ? throw new CliFailure("UsageError", problem) : configured;
    }

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
