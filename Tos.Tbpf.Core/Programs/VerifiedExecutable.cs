namespace Tos.Tbpf.Programs;

/// <summary>
/// An <see cref="Executable"/> the verifier has accepted. Only the verifier can make one, so no engine ever
/// meets an out-of-range jump, a bad register or an unregistered syscall.
/// </summary>
public sealed class VerifiedExecutable
{
    internal VerifiedExecutable(Executable executable) => Executable = executable;

    /// <summary>The accepted program.</summary>
    public Executable Executable { get; }
}
