using Tos.Tbpf.Execution;

namespace Tos.Tbpf.Syscalls;

/// <summary>
/// Calls a syscall the way every engine must: its units are charged before its effect, and whatever it throws
/// becomes a result. The interpreter and the JIT's shim both call this, so a syscall behaves identically on both.
/// </summary>
public static class SyscallDispatch
{
    /// <summary>Runs <paramref name="syscall"/> for the call at <paramref name="pc"/>.</summary>
    /// <param name="syscall">What to run.</param>
    /// <param name="context">The invocation's context.</param>
    /// <param name="available">Units left after the call instruction itself was charged.</param>
    /// <param name="pc">The call's pc, where any error is reported.</param>
    /// <param name="arguments">r1–r5.</param>
    /// <param name="result">The new r0 on success.</param>
    /// <param name="charged">Units the call consumed beyond the instruction: its own charges, or everything
    /// available when the budget ran out.</param>
    /// <param name="faultsAreSyscallErrors">Report a guest-memory fault inside the syscall as a <c>SyscallError</c>
    /// carrying the access (as sbpf wraps it, <see cref="Profile.SyscallFaultsAreSyscallErrors"/>) instead of an
    /// <c>AccessViolation</c> at the call.</param>
    /// <returns>Null on success, else the error.</returns>
    public static VmError? Invoke(Syscall syscall, SyscallContext context, ulong available, long pc,
        ReadOnlySpan<ulong> arguments, out ulong result, out ulong charged, bool faultsAreSyscallErrors = false)
    {
        context.BeginCall(available);
        result = 0;
        try
        {
            result = syscall.Handler(context, arguments[0], arguments[1], arguments[2], arguments[3], arguments[4]);
            charged = context.Charged;
            return context.HostState is IRunInterruption { StopRequested: true }
                ? new VmError(VmErrorKind.SyscallError, pc, $"{syscall.Name}: the host stopped the run")
                : null;
        }
        catch (VmFaultException fault)
        {
            charged = fault.Kind == VmErrorKind.ComputeBudgetExceeded ? available : context.Charged;
            var kind = faultsAreSyscallErrors && fault.Kind != VmErrorKind.ComputeBudgetExceeded ? VmErrorKind.SyscallError : fault.Kind;
            return new VmError(kind, pc, $"{syscall.Name}: {fault.Message}", fault.Access, syscall.Name);
        }
        catch (Exception exception)
        {
            // The syscall boundary: a host exception becomes a guest-visible SyscallError and never escapes.
            charged = context.Charged;
            return new VmError(VmErrorKind.SyscallError, pc, $"{syscall.Name}: {exception.Message}", Syscall: syscall.Name);
        }
    }

    /// <summary>The error of a <c>callx</c> whose register names no registered helper.</summary>
    public static VmError UnknownHelper(ulong target, long pc) =>
        new(VmErrorKind.CallOutsideText, pc, $"callx target {target} is not a registered helper");
}
