using Tos.Tbpf.Memory;

namespace Tos.Tbpf.Execution;

/// <summary>The runtime errors with their messages, built in one place so that every engine reports them alike.</summary>
public static class VmErrors
{
    /// <summary>The budget ran out before the instruction at <paramref name="pc"/>.</summary>
    public static VmError BudgetExceeded(long pc, ulong budget) =>
        new(VmErrorKind.ComputeBudgetExceeded, pc, $"the compute budget of {budget} units is exhausted");

    /// <summary>Division or remainder by a zero register.</summary>
    public static VmError DivideByZero(long pc) => new(VmErrorKind.DivideByZero, pc, "division by zero");

    /// <summary>Signed <c>MIN / -1</c> or <c>MIN % -1</c>.</summary>
    public static VmError DivideOverflow(long pc) => new(VmErrorKind.DivideOverflow, pc, "signed division overflow: MIN / -1");

    /// <summary>A refused memory access.</summary>
    public static VmError AccessViolation(MemoryMap memory, long pc, ulong address, ulong size, AccessKind kind)
    {
        var violation = memory.Violation(address, size, kind);
        return new VmError(VmErrorKind.AccessViolation, pc, violation.ToString(), violation);
    }

    /// <summary>A call that needs one frame more than the profile has.</summary>
    public static VmError CallDepthExceeded(long pc, Profile profile) =>
        new(VmErrorKind.CallDepthExceeded, pc, $"call depth exceeded: all {profile.MaxCallFrames} stack frames are in use");

    /// <summary>A callx whose target is not an instruction of the text.</summary>
    public static VmError CallOutsideText(long pc, ulong target, ulong textAddress, ulong textLength) =>
        new(VmErrorKind.CallOutsideText, pc,
            $"callx target 0x{target:x} is not an instruction of the text [0x{textAddress:x}, 0x{textAddress + textLength:x})");

    /// <summary>A callx into the second slot of an lddw.</summary>
    public static VmError CallIntoLddwTail(long pc, long targetPc) =>
        new(VmErrorKind.InvalidInstruction, pc, $"callx target slot {targetPc} is the second half of an lddw");
}
