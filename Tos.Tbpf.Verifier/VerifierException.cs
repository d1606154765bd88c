namespace Tos.Tbpf.Verification;

/// <summary>The verifier refused a program: the kind of check, the pc and a message that quotes the instruction (a
/// whole-program check has no pc, and its message no pc prefix).</summary>
public sealed class VerifierException(VerifierErrorKind kind, long pc, string message)
    : Exception(pc >= 0 ? $"pc {pc}: {message}" : message)
{
    /// <summary>The check that failed.</summary>
    public VerifierErrorKind Kind { get; } = kind;

    /// <summary>The slot of the offending instruction (-1 for whole-program checks).</summary>
    public long Pc { get; } = pc;

    /// <summary>What is wrong, without the pc prefix.</summary>
    public string Reason { get; } = message;
}
