namespace Tos.Tbpf.Syscalls;

/// <summary>
/// Host state that may ask for the run to end early, without an exception: after each syscall, if
/// <see cref="StopRequested"/> is true, the engine ends the run with a <c>SyscallError</c> at the call. The contract
/// host's parallel block execution uses it when a speculative run read a value that is about to change, so that the
/// run, whose result will be discarded, stops at once.
/// </summary>
public interface IRunInterruption
{
    /// <summary>True when the run should end after the current syscall.</summary>
    bool StopRequested { get; }
}
