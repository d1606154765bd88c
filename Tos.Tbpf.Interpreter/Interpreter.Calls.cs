using Tos.Tbpf.Execution;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Interpretation;

/// <summary>Local calls, callx and syscalls: the slow paths, kept out of the dispatch loop.</summary>
public static partial class Interpreter
{
    /// <summary>Saves r6–r9, r10 and the return pc, and moves r10 to the next frame.</summary>
    private static bool PushFrame(Frame[] frames, ref int depth, ref Registers registers, Profile profile,
        long pc, out VmError? error)
    {
        if (depth + 1 >= profile.MaxCallFrames)
        {
            error = VmErrors.CallDepthExceeded(pc, profile);
            return false;
        }

        ref var frame = ref frames[depth];
        frame.R6 = registers[6];
        frame.R7 = registers[7];
        frame.R8 = registers[8];
        frame.R9 = registers[9];
        frame.R10 = registers[10];
        frame.ReturnPc = pc;
        depth++;
        registers[10] += (ulong)profile.FrameStride;
        error = null;
        return true;
    }

    /// <summary>Restores the caller's r6–r10; returns the pc of the call, which the loop then steps past.</summary>
    private static long PopFrame(Frame[] frames, ref int depth, ref Registers registers)
    {
        depth--;
        ref var frame = ref frames[depth];
        registers[6] = frame.R6;
        registers[7] = frame.R7;
        registers[8] = frame.R8;
        registers[9] = frame.R9;
        registers[10] = frame.R10;
        return frame.ReturnPc;
    }

    private static ExecutionResult? Callx(Executable executable, MemoryMap memory, ref Registers registers,
        SyscallContext? syscallContext, ulong budget, ref ulong cu, ref long pc, Frame[] frames, ref int depth,
        ulong target)
    {
        if (executable.Profile.Callx == CallxTarget.HelperNumber)
        {
            if (target > uint.MaxValue || !executable.Syscalls.TryGet((uint)target, out _))
            {
                return ExecutionResult.Fail(SyscallDispatch.UnknownHelper(target, pc), cu);
            }

            return InvokeSyscall(executable, (uint)target, memory, ref registers, syscallContext, budget, ref cu, pc);
        }

        var relative = target - executable.TextAddress;
        if (executable.Profile.CallxEntersAnySlot)
        {
            // sbpf: the depth first, then the target's slot (rounded down); an lddw tail is entered and fails there.
            // (sbpf pushes the frame before it looks at the target; the frame is pushed here only once the call goes
            // ahead, so that a failed callx leaves the registers as the JIT does.)
            if (depth + 1 >= executable.Profile.MaxCallFrames)
            {
                return ExecutionResult.Fail(VmErrors.CallDepthExceeded(pc, executable.Profile), cu);
            }

            if (relative >= (ulong)executable.TextLength)
            {
                return ExecutionResult.Fail(
                    VmErrors.CallOutsideText(pc, target, executable.TextAddress, (ulong)executable.TextLength), cu);
            }

            PushFrame(frames, ref depth, ref registers, executable.Profile, pc, out _);
            pc = (long)(relative / Decoder.SlotSize) - 1;
            return null;
        }

        if (relative >= (ulong)executable.TextLength || relative % Decoder.SlotSize != 0)
        {
            return ExecutionResult.Fail(
                VmErrors.CallOutsideText(pc, target, executable.TextAddress, (ulong)executable.TextLength), cu);
        }

        var targetPc = (long)(relative / Decoder.SlotSize);
        if (executable.Instructions[targetPc].Op == Op.LddwTail)
        {
            return ExecutionResult.Fail(VmErrors.CallIntoLddwTail(pc, targetPc), cu);
        }

        if (!PushFrame(frames, ref depth, ref registers, executable.Profile, pc, out var error))
        {
            return ExecutionResult.Fail(error!, cu);
        }

        // The loop adds one after the switch.
        pc = targetPc - 1;
        return null;
    }

    /// <summary>Runs a syscall: its own compute units are charged before its effect; any failure is a result.</summary>
    private static ExecutionResult? InvokeSyscall(Executable executable, uint key, MemoryMap memory,
        ref Registers registers, SyscallContext? context, ulong budget, ref ulong cu, long pc)
    {
        // The verifier proved the key registered for call imm; callx checked it above.
        executable.Syscalls.TryGet(key, out var syscall);
        context ??= new SyscallContext(memory);
        ReadOnlySpan<ulong> arguments = [registers[1], registers[2], registers[3], registers[4], registers[5]];
        var error = SyscallDispatch.Invoke(syscall, context, budget - cu, pc, arguments, out var result, out var charged,
            executable.Profile.SyscallFaultsAreSyscallErrors);
        cu += charged;
        if (error is not null)
        {
            return ExecutionResult.Fail(error, cu);
        }

        registers[0] = result;
        return null;
    }
}
