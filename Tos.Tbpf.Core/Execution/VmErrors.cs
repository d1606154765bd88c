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

    /// <summary>A refused memory access. Under a profile that <see cref="Profile.ReportsStackAccessViolations"/>, an
    /// address whose frame number <c>(address - stack start) / frame size</c> (signed, rounded toward zero, as sbpf
    /// computes it) lies in <c>[-1, frames]</c> is a <see cref="VmErrorKind.StackAccessViolation"/> naming that frame.</summary>
    public static VmError AccessViolation(MemoryMap memory, long pc, ulong address, ulong size, AccessKind kind, Profile profile)
    {
        var violation = memory.Violation(address, size, kind);
        if (profile.ReportsStackAccessViolations)
        {
            var fromStack = (long)address - (long)((ulong)MemoryMap.StackIndex << MemoryMap.RegionShift);
            var frame = fromStack / profile.StackFrameSize;
            if (frame >= -1 && frame <= profile.MaxCallFrames)
            {
                return new VmError(VmErrorKind.StackAccessViolation, pc, $"{violation} in stack frame {frame}", violation);
            }
        }

        return new VmError(VmErrorKind.AccessViolation, pc, violation.ToString(), violation);
    }

    /// <summary>The run reached the slot past the text.</summary>
    public static VmError ExecutionOverrun(long pc) =>
        new(VmErrorKind.ExecutionOverrun, pc, "execution ran past the end of the text");

    /// <summary>What an <see cref="Isa.Op.Trap"/> or a reached lddw tail reports.</summary>
    public static VmError Unsupported(long pc, string why) => new(VmErrorKind.UnsupportedInstruction, pc, why);

    /// <summary>The error of the trap at <paramref name="pc"/>, the run being <paramref name="depth"/> calls deep.</summary>
    public static VmError Trap(Isa.TrapReason reason, long pc, int depth, Profile profile) => reason switch
    {
        Isa.TrapReason.ExecutionOverrun => ExecutionOverrun(pc),
        Isa.TrapReason.CallOutsideText when depth + 1 >= profile.MaxCallFrames => CallDepthExceeded(pc, profile),
        Isa.TrapReason.CallOutsideText => new(VmErrorKind.CallOutsideText, pc, "the called function's slot is outside the text"),
        _ => Unsupported(pc, "the call names no registered syscall and no function"),
    };

    /// <summary>A run entered the second slot of an lddw (sbpf profiles, by callx or call).</summary>
    public static VmError LddwTailReached(long pc) => Unsupported(pc, "the second half of an lddw is not an instruction");

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
