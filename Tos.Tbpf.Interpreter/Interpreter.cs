using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Semantics;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Interpretation;

/// <summary>
/// The reference engine: one flat switch over decoded instructions, exact compute units (DESIGN §4) and
/// results (DESIGN §5). It is the oracle the JIT is tested against, so clarity wins over cleverness, but it
/// allocates nothing per instruction and never lets guest behaviour raise a .NET exception.
/// </summary>
public static partial class Interpreter
{
    /// <summary>Runs <paramref name="program"/> from its entry point over <paramref name="memory"/>.</summary>
    /// <param name="program">A verified program.</param>
    /// <param name="memory">The invocation's regions (see <see cref="MemoryMap.Standard(Programs.Executable, ReadOnlySpan{byte}, int)"/>); changed in place.</param>
    /// <param name="budget">Compute units available: exactly this many instructions can run.</param>
    /// <param name="syscallContext">The context handed to syscalls; one is made when null.</param>
    public static ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget,
        SyscallContext? syscallContext = null) => Run(program, memory, budget, syscallContext, []);

    /// <summary>As <see cref="Run(VerifiedExecutable, MemoryMap, ulong, SyscallContext?)"/>, also writing r0–r10 as
    /// they are when the run ends (at the exit, or at the fault) to <paramref name="finalRegisters"/>, if it has room for
    /// them: what differential testing compares.</summary>
    public static ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget,
        SyscallContext? syscallContext, Span<ulong> finalRegisters)
    {
        Span<ulong> entry = stackalloc ulong[11];
        EntryRegisters(program.Executable, memory, entry);
        var watcher = default(NoWatcher);
        return Execute(program, memory, budget, syscallContext, entry, program.Executable.EntryPc, finalRegisters, ref watcher);
    }

    /// <summary>
    /// Continues a run from <paramref name="pc"/> with the given r0–r10. The JIT hands over here when the metering chain
    /// at <paramref name="pc"/> (<paramref name="blockUnits"/> instructions) does not fit in the remaining
    /// <paramref name="budget"/>: what still fits runs with exactly the interpreter's semantics. Within a single block
    /// the run ends before the block's control instruction, so no call frame of the JIT's is needed; the JIT forms chains
    /// of several blocks only in code that runs in frame 0, where the interpreter's empty frame stack is the right one
    /// (see the JIT's BasicBlocks). The budget being short of the chain is checked, not trusted.
    /// </summary>
    internal static ExecutionResult Resume(VerifiedExecutable program, MemoryMap memory, ulong budget,
        SyscallContext? syscallContext, ReadOnlySpan<ulong> registers, long pc, long blockUnits, Span<ulong> finalRegisters = default)
    {
        var code = program.Executable.Code;
        if ((ulong)pc >= (ulong)code.Length || code[pc].Op is Op.LddwTail or Op.Invalid || budget >= (ulong)blockUnits
            || blockUnits > code.Length - pc)
        {
            throw new InvalidOperationException(
                $"resume at pc {pc} with {budget} units for a block of {blockUnits} breaks the hand-over invariant");
        }

        var watcher = default(NoWatcher);
        return Execute(program, memory, budget, syscallContext, registers, pc, finalRegisters, ref watcher);
    }

    /// <summary>
    /// Runs <paramref name="program"/> as <see cref="Run(VerifiedExecutable, MemoryMap, ulong, SyscallContext?, Span{ulong})"/>
    /// does, calling <paramref name="observer"/> before every instruction with its pc, the units consumed so far and
    /// r0–r10: what <c>tbpf trace</c> and <c>tbpf profile</c> watch. Plain runs use a separate copy of the loop with an
    /// empty observer that the .NET JIT removes, so observing costs them nothing.
    /// </summary>
    public static ExecutionResult Observe(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext,
        StepObserver observer, Span<ulong> finalRegisters = default)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Span<ulong> entry = stackalloc ulong[11];
        EntryRegisters(program.Executable, memory, entry);
        var watcher = new CallbackWatcher(observer);
        return Execute(program, memory, budget, syscallContext, entry, program.Executable.EntryPc, finalRegisters, ref watcher);
    }

    // r1 = the input's address, r2 = its length (where the profile says so), r10 = the top of frame 0.
    private static void EntryRegisters(Executable executable, MemoryMap memory, Span<ulong> entry)
    {
        entry[1] = (ulong)MemoryMap.InputIndex << MemoryMap.RegionShift;
        entry[2] = executable.Profile.InputLengthInR2 ? (ulong)(memory[MemoryMap.InputIndex]?.Length ?? 0) : 0;
        entry[10] = ((ulong)MemoryMap.StackIndex << MemoryMap.RegionShift) + (ulong)executable.Profile.StackFrameSize;
    }

    private static ExecutionResult Execute<TWatcher>(VerifiedExecutable program, MemoryMap memory, ulong budget,
        SyscallContext? syscallContext, ReadOnlySpan<ulong> initial, long pc, Span<ulong> finalRegisters, ref TWatcher watcher)
        where TWatcher : struct, IWatcher
    {
        var frames = FramePool.Rent(program.Executable.Profile.MaxCallFrames);
        var registers = new Registers();
        try
        {
            // A map with holes (sbpf V0's stack gaps, a V0 .so's program start) gets the loop that checks them; every other
            // map, one in which the check is compiled away.
            return memory.HasHoles
                ? Loop<TWatcher, RegionHoles.Checked>(program, memory, budget, syscallContext, initial, pc, frames, ref registers, ref watcher)
                : Loop<TWatcher, RegionHoles.None>(program, memory, budget, syscallContext, initial, pc, frames, ref registers, ref watcher);
        }
        finally
        {
            FramePool.Return(frames);
            for (var r = 0; r <= 10 && r < finalRegisters.Length; r++)
            {
                finalRegisters[r] = registers[r];
            }
        }
    }

    private static ExecutionResult Loop<TWatcher, THoles>(VerifiedExecutable program, MemoryMap memory, ulong budget,
        SyscallContext? syscallContext, ReadOnlySpan<ulong> initial, long pc, Frame[] frames, ref Registers registers,
        ref TWatcher watcher)
        where TWatcher : struct, IWatcher
        where THoles : struct, RegionHoles.IPolicy
    {
        var executable = program.Executable;
        var profile = executable.Profile;
        var code = executable.Code;
        ref var r0 = ref registers[0];
        ref var code0 = ref MemoryMarshal.GetArrayDataReference(code);
        for (var i = 0; i < initial.Length && i <= 10; i++)
        {
            registers[i] = initial[i];
        }

        ulong cu = 0;
        var depth = 0;
        var divisionTraps = profile.DivisionByZeroTraps;
        var overflowTraps = profile.SignedOverflowTraps;
        var signExtend = profile.SignExtend32Results;

        while (true)
        {
            // meter: the check precedes the instruction, so a budget of N runs exactly N instructions.
            if (cu >= budget)
            {
                return ExecutionResult.Fail(VmErrors.BudgetExceeded(pc, budget), budget);
            }

            watcher.Before(pc, cu, ref registers);
            cu++;
            // The verifier keeps pc inside the code: every target is checked, and the text cannot fall off its end unless the
            // profile makes that a run-time error, for which the code has a trap slot past the text.
            ref readonly var ins = ref Unsafe.Add(ref code0, (nint)pc);
            ref var dst = ref Unsafe.Add(ref r0, ins.Dst);
            var src = Unsafe.Add(ref r0, ins.Src);
            var imm = (ulong)ins.Imm;
            switch (ins.Op)
            {
                case Op.Add32Imm: dst = Alu.Result32(dst + imm, signExtend); break;
                case Op.Add32Reg: dst = Alu.Result32(dst + src, signExtend); break;
                case Op.Add64Imm: dst += imm; break;
                case Op.Add64Reg: dst += src; break;
                case Op.Sub32Imm: dst = Alu.Result32(dst - imm, signExtend); break;
                case Op.Sub32Reg: dst = Alu.Result32(dst - src, signExtend); break;
                case Op.Sub64Imm: dst -= imm; break;
                case Op.Sub64Reg: dst -= src; break;
                case Op.Mul32Imm: dst = Alu.Result32((uint)dst * (uint)imm, signExtend); break;
                case Op.Mul32Reg: dst = Alu.Result32((uint)dst * (uint)src, signExtend); break;
                case Op.Mul64Imm: dst *= imm; break;
                case Op.Mul64Reg: dst *= src; break;
                case Op.Div32Imm: dst = Alu.Div32(dst, imm); break;
                case Op.Div64Imm: dst = Alu.Div64(dst, imm); break;
                case Op.Mod32Imm: dst = Alu.Mod32(dst, imm); break;
                case Op.Mod64Imm: dst = Alu.Mod64(dst, imm); break;
                case Op.Div32Reg:
                    if (divisionTraps && (uint)src == 0) return DivideByZero(pc, cu);
                    dst = Alu.Div32(dst, src);
                    break;
                case Op.Div64Reg:
                    if (divisionTraps && src == 0) return DivideByZero(pc, cu);
                    dst = Alu.Div64(dst, src);
                    break;
                case Op.Mod32Reg:
                    if (divisionTraps && (uint)src == 0) return DivideByZero(pc, cu);
                    dst = Alu.Mod32(dst, src);
                    break;
                case Op.Mod64Reg:
                    if (divisionTraps && src == 0) return DivideByZero(pc, cu);
                    dst = Alu.Mod64(dst, src);
                    break;
                case Op.SDiv32Imm:
                    if (overflowTraps && Alu.SignedOverflows32(dst, imm)) return DivideOverflow(pc, cu);
                    dst = Alu.SDiv32(dst, imm);
                    break;
                case Op.SDiv32Reg:
                    if (divisionTraps && (uint)src == 0) return DivideByZero(pc, cu);
                    if (overflowTraps && Alu.SignedOverflows32(dst, src)) return DivideOverflow(pc, cu);
                    dst = Alu.SDiv32(dst, src);
                    break;
                case Op.SDiv64Imm:
                    if (overflowTraps && Alu.SignedOverflows64(dst, imm)) return DivideOverflow(pc, cu);
                    dst = Alu.SDiv64(dst, imm);
                    break;
                case Op.SDiv64Reg:
                    if (divisionTraps && src == 0) return DivideByZero(pc, cu);
                    if (overflowTraps && Alu.SignedOverflows64(dst, src)) return DivideOverflow(pc, cu);
                    dst = Alu.SDiv64(dst, src);
                    break;
                case Op.SMod32Imm:
                    if (overflowTraps && Alu.SignedOverflows32(dst, imm)) return DivideOverflow(pc, cu);
                    dst = Alu.SMod32(dst, imm);
                    break;
                case Op.SMod32Reg:
                    if (divisionTraps && (uint)src == 0) return DivideByZero(pc, cu);
                    if (overflowTraps && Alu.SignedOverflows32(dst, src)) return DivideOverflow(pc, cu);
                    dst = Alu.SMod32(dst, src);
                    break;
                case Op.SMod64Imm:
                    if (overflowTraps && Alu.SignedOverflows64(dst, imm)) return DivideOverflow(pc, cu);
                    dst = Alu.SMod64(dst, imm);
                    break;
                case Op.SMod64Reg:
                    if (divisionTraps && src == 0) return DivideByZero(pc, cu);
                    if (overflowTraps && Alu.SignedOverflows64(dst, src)) return DivideOverflow(pc, cu);
                    dst = Alu.SMod64(dst, src);
                    break;
                case Op.Or32Imm: dst = (uint)(dst | imm); break;
                case Op.Or32Reg: dst = (uint)(dst | src); break;
                case Op.Or64Imm: dst |= imm; break;
                case Op.Or64Reg: dst |= src; break;
                case Op.And32Imm: dst = (uint)(dst & imm); break;
                case Op.And32Reg: dst = (uint)(dst & src); break;
                case Op.And64Imm: dst &= imm; break;
                case Op.And64Reg: dst &= src; break;
                case Op.Xor32Imm: dst = (uint)(dst ^ imm); break;
                case Op.Xor32Reg: dst = (uint)(dst ^ src); break;
                case Op.Xor64Imm: dst ^= imm; break;
                case Op.Xor64Reg: dst ^= src; break;
                // Shift counts are masked to the operand width (RFC 9669 §4.1); C# masks the same way.
                case Op.Lsh32Imm: dst = (uint)dst << (int)imm; break;
                case Op.Lsh32Reg: dst = (uint)dst << (int)src; break;
                case Op.Lsh64Imm: dst <<= (int)imm; break;
                case Op.Lsh64Reg: dst <<= (int)src; break;
                case Op.Rsh32Imm: dst = (uint)dst >> (int)imm; break;
                case Op.Rsh32Reg: dst = (uint)dst >> (int)src; break;
                case Op.Rsh64Imm: dst >>= (int)imm; break;
                case Op.Rsh64Reg: dst >>= (int)src; break;
                case Op.Arsh32Imm: dst = Alu.Arsh32(dst, imm); break;
                case Op.Arsh32Reg: dst = Alu.Arsh32(dst, src); break;
                case Op.Arsh64Imm: dst = Alu.Arsh64(dst, imm); break;
                case Op.Arsh64Reg: dst = Alu.Arsh64(dst, src); break;
                case Op.Mov32Imm: dst = (uint)imm; break;
                case Op.Mov32Reg: dst = (uint)src; break;
                case Op.Mov64Imm: dst = imm; break;
                case Op.Mov64Reg: dst = src; break;
                case Op.Neg32: dst = (uint)(0 - dst); break;
                case Op.Neg64: dst = 0 - dst; break;
                case Op.MovSx8To32: dst = (uint)(sbyte)src; break;
                case Op.MovSx16To32: dst = (uint)(short)src; break;
                case Op.MovSx8To64: dst = (ulong)(sbyte)src; break;
                case Op.MovSx16To64: dst = (ulong)(short)src; break;
                case Op.MovSx32To64: dst = (ulong)(int)src; break;
                case Op.Le16: dst = Alu.Truncate(dst, 16); break;
                case Op.Le32: dst = Alu.Truncate(dst, 32); break;
                case Op.Le64: break;
                case Op.Be16 or Op.Bswap16: dst = Alu.Swap(dst, 16); break;
                case Op.Be32 or Op.Bswap32: dst = Alu.Swap(dst, 32); break;
                case Op.Be64 or Op.Bswap64: dst = Alu.Swap(dst, 64); break;

                case Op.Lddw: dst = imm; pc++; break;

                case Op.LdxB or Op.LdxH or Op.LdxW or Op.LdxDw or Op.LdxSB or Op.LdxSH or Op.LdxSW:
                {
                    var address = src + (ulong)ins.Offset;
                    var size = LoadSize(ins.Op);
                    if (!memory.TryTranslate<THoles>(address, size, AccessKind.Load, out var data, out var offset))
                    {
                        return AccessFault(memory, profile, pc, cu, address, size, AccessKind.Load);
                    }

                    ref var at = ref data[offset];
                    dst = ins.Op switch
                    {
                        Op.LdxB => at,
                        Op.LdxH => Unsafe.ReadUnaligned<ushort>(ref at),
                        Op.LdxW => Unsafe.ReadUnaligned<uint>(ref at),
                        Op.LdxDw => Unsafe.ReadUnaligned<ulong>(ref at),
                        Op.LdxSB => (ulong)(sbyte)at,
                        Op.LdxSH => (ulong)Unsafe.ReadUnaligned<short>(ref at),
                        _ => (ulong)Unsafe.ReadUnaligned<int>(ref at),
                    };
                    break;
                }

                case Op.StB or Op.StH or Op.StW or Op.StDw or Op.StxB or Op.StxH or Op.StxW or Op.StxDw:
                {
                    var address = dst + (ulong)ins.Offset;
                    var size = StoreSize(ins.Op);
                    if (!memory.TryTranslate<THoles>(address, size, AccessKind.Store, out var data, out var offset))
                    {
                        return AccessFault(memory, profile, pc, cu, address, size, AccessKind.Store);
                    }

                    var value = ins.Op is Op.StB or Op.StH or Op.StW or Op.StDw ? imm : src;
                    ref var at = ref data[offset];
                    switch (size)
                    {
                        case 1: at = (byte)value; break;
                        case 2: Unsafe.WriteUnaligned(ref at, (ushort)value); break;
                        case 4: Unsafe.WriteUnaligned(ref at, (uint)value); break;
                        default: Unsafe.WriteUnaligned(ref at, value); break;
                    }

                    break;
                }

                case >= Op.AtomicAdd32 and <= Op.AtomicCmpXchg64:
                {
                    var address = dst + (ulong)ins.Offset;
                    var row = ins.Info;
                    var size = (ulong)row.AccessSize;
                    if (!memory.TryTranslate<THoles>(address, size, AccessKind.Store, out var data, out var offset))
                    {
                        return AccessFault(memory, profile, pc, cu, address, size, AccessKind.Store);
                    }

                    Atomics.Apply(row, ref data[offset], ref Unsafe.Add(ref r0, ins.Src), ref r0);
                    break;
                }

                case Op.Ja: pc += ins.Offset; break;
                case Op.Ja32: pc += ins.Imm32; break;
                case Op.Jeq64Imm: if (dst == imm) pc += ins.Offset; break;
                case Op.Jeq64Reg: if (dst == src) pc += ins.Offset; break;
                case Op.Jeq32Imm: if ((uint)dst == (uint)imm) pc += ins.Offset; break;
                case Op.Jeq32Reg: if ((uint)dst == (uint)src) pc += ins.Offset; break;
                case Op.Jgt64Imm: if (dst > imm) pc += ins.Offset; break;
                case Op.Jgt64Reg: if (dst > src) pc += ins.Offset; break;
                case Op.Jgt32Imm: if ((uint)dst > (uint)imm) pc += ins.Offset; break;
                case Op.Jgt32Reg: if ((uint)dst > (uint)src) pc += ins.Offset; break;
                case Op.Jge64Imm: if (dst >= imm) pc += ins.Offset; break;
                case Op.Jge64Reg: if (dst >= src) pc += ins.Offset; break;
                case Op.Jge32Imm: if ((uint)dst >= (uint)imm) pc += ins.Offset; break;
                case Op.Jge32Reg: if ((uint)dst >= (uint)src) pc += ins.Offset; break;
                case Op.Jset64Imm: if ((dst & imm) != 0) pc += ins.Offset; break;
                case Op.Jset64Reg: if ((dst & src) != 0) pc += ins.Offset; break;
                case Op.Jset32Imm: if (((uint)dst & (uint)imm) != 0) pc += ins.Offset; break;
                case Op.Jset32Reg: if (((uint)dst & (uint)src) != 0) pc += ins.Offset; break;
                case Op.Jne64Imm: if (dst != imm) pc += ins.Offset; break;
                case Op.Jne64Reg: if (dst != src) pc += ins.Offset; break;
                case Op.Jne32Imm: if ((uint)dst != (uint)imm) pc += ins.Offset; break;
                case Op.Jne32Reg: if ((uint)dst != (uint)src) pc += ins.Offset; break;
                case Op.Jsgt64Imm: if ((long)dst > (long)imm) pc += ins.Offset; break;
                case Op.Jsgt64Reg: if ((long)dst > (long)src) pc += ins.Offset; break;
                case Op.Jsgt32Imm: if ((int)dst > (int)imm) pc += ins.Offset; break;
                case Op.Jsgt32Reg: if ((int)dst > (int)src) pc += ins.Offset; break;
                case Op.Jsge64Imm: if ((long)dst >= (long)imm) pc += ins.Offset; break;
                case Op.Jsge64Reg: if ((long)dst >= (long)src) pc += ins.Offset; break;
                case Op.Jsge32Imm: if ((int)dst >= (int)imm) pc += ins.Offset; break;
                case Op.Jsge32Reg: if ((int)dst >= (int)src) pc += ins.Offset; break;
                case Op.Jlt64Imm: if (dst < imm) pc += ins.Offset; break;
                case Op.Jlt64Reg: if (dst < src) pc += ins.Offset; break;
                case Op.Jlt32Imm: if ((uint)dst < (uint)imm) pc += ins.Offset; break;
                case Op.Jlt32Reg: if ((uint)dst < (uint)src) pc += ins.Offset; break;
                case Op.Jle64Imm: if (dst <= imm) pc += ins.Offset; break;
                case Op.Jle64Reg: if (dst <= src) pc += ins.Offset; break;
                case Op.Jle32Imm: if ((uint)dst <= (uint)imm) pc += ins.Offset; break;
                case Op.Jle32Reg: if ((uint)dst <= (uint)src) pc += ins.Offset; break;
                case Op.Jslt64Imm: if ((long)dst < (long)imm) pc += ins.Offset; break;
                case Op.Jslt64Reg: if ((long)dst < (long)src) pc += ins.Offset; break;
                case Op.Jslt32Imm: if ((int)dst < (int)imm) pc += ins.Offset; break;
                case Op.Jslt32Reg: if ((int)dst < (int)src) pc += ins.Offset; break;
                case Op.Jsle64Imm: if ((long)dst <= (long)imm) pc += ins.Offset; break;
                case Op.Jsle64Reg: if ((long)dst <= (long)src) pc += ins.Offset; break;
                case Op.Jsle32Imm: if ((int)dst <= (int)imm) pc += ins.Offset; break;
                case Op.Jsle32Reg: if ((int)dst <= (int)src) pc += ins.Offset; break;

                case Op.Call:
                {
                    var failure = InvokeSyscall(executable, (uint)ins.Imm32, memory, ref registers, syscallContext,
                        budget, ref cu, pc);
                    if (failure is not null)
                    {
                        return failure.Value;
                    }

                    break;
                }

                case Op.CallLocal:
                    if (!PushFrame(frames, ref depth, ref registers, profile, pc, out var overflow))
                    {
                        return ExecutionResult.Fail(overflow!, cu);
                    }

                    pc += ins.Imm32;
                    break;

                case Op.Callx:
                {
                    var target = profile.CallxRegister == CallxRegisterField.Imm ? Unsafe.Add(ref r0, ins.Imm32) : dst;
                    var failure = Callx(executable, memory, ref registers, syscallContext, budget, ref cu,
                        ref pc, frames, ref depth, target);
                    if (failure is not null)
                    {
                        return failure.Value;
                    }

                    break;
                }

                case Op.Exit:
                    if (depth == 0)
                    {
                        return ExecutionResult.Ok(r0, cu);
                    }

                    pc = PopFrame(frames, ref depth, ref registers);
                    break;

                case Op.Trap:
                    return ExecutionResult.Fail(VmErrors.Trap((TrapReason)ins.Imm, pc, depth, profile), cu);

                case Op.LddwTail:
                    // Only an sbpf profile lets callx or call land here (see Profile.CallxEntersAnySlot).
                    return ExecutionResult.Fail(VmErrors.LddwTailReached(pc), cu);

                default:
                    // Unreachable for verified programs: Invalid never passes the verifier.
                    return Fail(VmErrorKind.InvalidInstruction, pc, cu, $"{ins.Op} cannot execute");
            }

            pc++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LoadSize(Op op) => op switch
    {
        Op.LdxB or Op.LdxSB => 1,
        Op.LdxH or Op.LdxSH => 2,
        Op.LdxW or Op.LdxSW => 4,
        _ => 8,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong StoreSize(Op op) => op switch
    {
        Op.StB or Op.StxB => 1,
        Op.StH or Op.StxH => 2,
        Op.StW or Op.StxW => 4,
        _ => 8,
    };

    private static ExecutionResult Fail(VmErrorKind kind, long pc, ulong cu, string message) =>
        ExecutionResult.Fail(new VmError(kind, pc, message), cu);

    private static ExecutionResult DivideByZero(long pc, ulong cu) => ExecutionResult.Fail(VmErrors.DivideByZero(pc), cu);

    private static ExecutionResult DivideOverflow(long pc, ulong cu) => ExecutionResult.Fail(VmErrors.DivideOverflow(pc), cu);

    private static ExecutionResult AccessFault(MemoryMap memory, Profile profile, long pc, ulong cu, ulong address, ulong size, AccessKind kind) =>
        ExecutionResult.Fail(VmErrors.AccessViolation(memory, pc, address, size, kind, profile), cu);
}
