namespace Tos.Tbpf.Execution;

/// <summary>The runtime faults of DESIGN §5; both engines report exactly these.</summary>
public enum VmErrorKind
{
    /// <summary>The compute budget ran out before an instruction or inside a syscall.</summary>
    ComputeBudgetExceeded,
    /// <summary>A load or store outside every region, across regions, or a store into a read-only region.</summary>
    AccessViolation,
    /// <summary>Division or remainder by a zero register, where the profile traps.</summary>
    DivideByZero,
    /// <summary>Signed <c>MIN / -1</c> or <c>MIN % -1</c>, where the profile traps.</summary>
    DivideOverflow,
    /// <summary>A local call beyond the last stack frame.</summary>
    CallDepthExceeded,
    /// <summary>A <c>callx</c> to an address outside the text, not 8-aligned, or not a registered helper.</summary>
    CallOutsideText,
    /// <summary>A <c>callx</c> into the second slot of an <c>lddw</c>.</summary>
    InvalidInstruction,
    /// <summary>A syscall failed; the detail names it.</summary>
    SyscallError,
    /// <summary>Execution ran past the last slot of the text (sbpf profiles; TBPF's verifier forbids it).</summary>
    ExecutionOverrun,
    /// <summary>A call that names no syscall and no function, or a jump by callx or call into the second half of an lddw
    /// (sbpf profiles, which resolve calls at run time; TBPF's verifier forbids both).</summary>
    UnsupportedInstruction,
    /// <summary>A refused access at an address within one frame of the stack's frames (sbpf profiles, which name the
    /// frame; under TBPF such an access is an <see cref="AccessViolation"/>).</summary>
    StackAccessViolation,
}

/// <summary>Whether a memory access reads or writes.</summary>
public enum AccessKind
{
    /// <summary>A read.</summary>
    Load,
    /// <summary>A write (stores and atomics).</summary>
    Store,
}
