namespace Tos.Tbpf.Execution;

/// <summary>The faulting access of an <see cref="VmErrorKind.AccessViolation"/>.</summary>
/// <param name="Address">The virtual address the access started at (after wrap-around).</param>
/// <param name="Length">Bytes accessed.</param>
/// <param name="Kind">Load or store.</param>
/// <param name="Region">The region the address falls in, or <c>unmapped</c>.</param>
public sealed record AccessViolation(ulong Address, ulong Length, AccessKind Kind, string Region)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{(Kind == AccessKind.Load ? "load" : "store")} of {Length} byte(s) at 0x{Address:x} ({Region})";
}

/// <summary>A runtime fault: its kind, the pc of the faulting instruction and what happened.</summary>
/// <param name="Kind">The fault.</param>
/// <param name="Pc">The slot index of the faulting instruction (the call itself for call and syscall faults).</param>
/// <param name="Message">A message for people, naming the reason.</param>
/// <param name="Access">For access violations, the access.</param>
/// <param name="Syscall">For syscall errors, the syscall's name.</param>
public sealed record VmError(VmErrorKind Kind, long Pc, string Message, AccessViolation? Access = null, string? Syscall = null)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind} at pc {Pc}: {Message}";
}
