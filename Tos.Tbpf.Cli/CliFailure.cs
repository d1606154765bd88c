namespace Tos.Tbpf.Cli;

/// <summary>A failure before the program runs: usage, assembly, ELF loading or verification.</summary>
/// <param name="kind">For <c>--json</c>: <c>AssemblerError</c>, <c>ElfError</c>, <c>VerifierError</c> or <c>UsageError</c>.</param>
/// <param name="message">What went wrong and where.</param>
/// <param name="pc">The instruction, where known.</param>
public sealed class CliFailure(string kind, string message, long? pc = null) : Exception(message)
{
    /// <summary>The failure's kind.</summary>
    public string Kind { get; } = kind;

    /// <summary>The instruction, where known.</summary>
    public long? Pc { get; } = pc;
}
