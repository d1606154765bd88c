namespace Tos.Tbpf.Execution;

/// <summary>
/// Carries a runtime fault out of host code that runs inside an invocation (a syscall translating a guest
/// pointer, charging compute units). The engines catch it at the syscall boundary and turn it into a result;
/// it never escapes the public API.
/// </summary>
public sealed class VmFaultException(VmErrorKind kind, string message, AccessViolation? access = null)
    : Exception(message)
{
    /// <summary>The fault.</summary>
    public VmErrorKind Kind { get; } = kind;

    /// <summary>The access, for access violations.</summary>
    public AccessViolation? Access { get; } = access;
}
