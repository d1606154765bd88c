using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Interpretation;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Jit.Compiler;
using Tos.Tbpf.Jit.Native;
using Tos.Tbpf.Jit.Runtime;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Jit;

/// <summary>
/// A program compiled to x86-64: immutable and thread-safe, so many threads may run it at once, each over its own
/// memory. Disposing unmaps the code.
/// </summary>
public sealed unsafe class JitProgram : IDisposable
{
    private readonly CodeLease _lease;
    private readonly ulong[] _callxTable;   // pinned: native address per pc, 0 where callx may not land
    private readonly long[] _callxCharge;   // pinned: units from a pc to the end of its block
    private readonly int[] _unitsToEnd;
    private readonly bool _uncheckedFrameAccesses;
    private readonly uint _windowPairs;

    private JitProgram(VerifiedExecutable program, JitOptions options, CompiledCode compiled)
    {
        Program = program;
        Options = options;
        // The units table comes from the array pool and goes back when the last run has left the released code: only runs
        // read it (Finish), and none can start after that.
        var unitsToEnd = compiled.UnitsToEnd;
        _lease = new CodeLease(compiled.Code, () => System.Buffers.ArrayPool<int>.Shared.Return(unitsToEnd));
        var code = _lease.Code;
        CodeSize = compiled.CodeSize;
        _unitsToEnd = compiled.UnitsToEnd;
        _uncheckedFrameAccesses = compiled.UncheckedFrameAccesses;
        _windowPairs = compiled.WindowPairs;
        // The tables callx reads (pinned: the code holds their addresses), only for programs that make such calls.
        var offsets = compiled.InstructionOffsets ?? [];
        // Without callx there are none (the code never reads them): no pinned allocation per compile.
        _callxTable = offsets.Length == 0 ? [] : GC.AllocateArray<ulong>(offsets.Length, pinned: true);
        _callxCharge = offsets.Length == 0 ? [] : GC.AllocateArray<long>(offsets.Length, pinned: true);
        for (var pc = 0; pc < offsets.Length; pc++)
        {
            _callxTable[pc] = offsets[pc] < 0 ? 0 : (ulong)code.Address + (ulong)offsets[pc];
            _callxCharge[pc] = compiled.UnitsToEnd[pc];
        }
    }

    /// <summary>The program this code was compiled from.</summary>
    public VerifiedExecutable Program { get; }

    /// <summary>How it was compiled.</summary>
    public JitOptions Options { get; }

    /// <summary>The size of the machine code in bytes.</summary>
    public int CodeSize { get; }

    /// <summary>Compiles <paramref name="program"/>; throws <see cref="JitException"/> when it cannot be compiled.</summary>
    public static JitProgram Compile(VerifiedExecutable program, JitOptions? options = null)
    {
        options ??= JitOptions.Default;
        return new JitProgram(program, options, X64Compiler.Compile(program, options));
    }

    /// <summary>The machine code, for inspection (tests decode it with Iced).</summary>
    public ReadOnlySpan<byte> Code => new((void*)_lease.Code.Address, CodeSize);

    /// <summary>True once <see cref="Dispose"/> has unmapped the code.</summary>
    internal bool IsReleased => _lease.IsReleased;

    /// <summary>The address the code is mapped at.</summary>
    public nint CodeAddress => _lease.Code.Address;

    /// <summary>Runs the program over <paramref name="memory"/> with <paramref name="budget"/> compute units (any 64-bit
    /// value). Allocates nothing unless the run fails. Holds the code for the whole run, so a concurrent <see cref="Dispose"/>
    /// unmaps it only when the last run has left; a run started after disposal throws <see cref="ObjectDisposedException"/>.</summary>
    public ExecutionResult Run(MemoryMap memory, ulong budget, SyscallContext? syscallContext = null) =>
        Run(memory, budget, syscallContext, []);

    /// <summary>As <see cref="Run(MemoryMap, ulong, SyscallContext?)"/>, also writing r0–r10 as they are when the run ends
    /// to <paramref name="finalRegisters"/>, if it has room for them.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit]
    public ExecutionResult Run(MemoryMap memory, ulong budget, SyscallContext? syscallContext, Span<ulong> finalRegisters)
    {
        var executable = Program.Executable;
        var slots = memory.SlotCount;
        for (var index = JitContext.MaxRegions; index < slots; index++)
        {
            if (memory[index] is not null)
            {
                throw new ArgumentException($"the JIT maps at most {JitContext.MaxRegions} regions; region {index} is beyond", nameof(memory));
            }
        }

        slots = Math.Min(slots, JitContext.MaxRegions);
        syscallContext ??= new SyscallContext(memory);
        if ((_uncheckedFrameAccesses && !HasStandardStack(memory, executable.Profile)) || !ChecksHolesOf(memory))
        {
            ObjectDisposedException.ThrowIf(_lease.IsReleased, this);
            // The code reaches frames without checks, which is sound only over a whole writable stack region of the
            // profile's size. A caller's own map without one runs on the interpreter: the same result, never a stray access.
            return Interpreter.Run(Program, memory, budget, syscallContext, finalRegisters);
        }

        if (!_lease.TryEnter(out var stripe))
        {
            throw new ObjectDisposedException(nameof(JitProgram), "the compiled program was disposed");
        }

        // Locals are not zeroed here (the context is large): the pins start cleared, the context as StartEmpty says.
        Span<GCHandle> pins = stackalloc GCHandle[JitContext.MaxRegions];
        pins.Clear();
        JitContext context;
        StartEmpty(&context);
        RunState? state = null;
        try
        {
            state = RunState.Enter(executable, syscallContext);
            context.RegionCount = slots;
            for (var index = 0; index < slots; index++)
            {
                if (memory[index] is not { } region)
                {
                    continue;
                }

                nint host;
                if (region.IsPinned)
                {
                    host = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(region.Data));
                }
                else
                {
                    pins[index] = GCHandle.Alloc(region.Data, GCHandleType.Pinned);
                    host = pins[index].AddrOfPinnedObject();
                }

                var length = (ulong)region.Length;
                var writable = region.Writable;
                var watermark = writable ? (ulong)region.WrittenEnd : 0;
                if (index == MemoryMap.StackIndex && _uncheckedFrameAccesses)
                {
                    // Frame 0 counts as written: unchecked stores into it skip the watermark (deeper frames: at each call).
                    context.StackBias = (ulong)host - ((ulong)MemoryMap.StackIndex << MemoryMap.RegionShift);
                    watermark = Math.Max(watermark, (ulong)executable.Profile.StackFrameSize);
                }

                context.SetRegion(index, host, length, watermark, writable ? length : 0);
                if (index == MemoryMap.ProgramIndex)
                {
                    context.ProgramStart = (ulong)region.MappedFrom;
                }
            }

            context.Registers[1] = (ulong)MemoryMap.InputIndex << MemoryMap.RegionShift;
            context.Registers[2] = executable.Profile.InputLengthInR2 ? (ulong)(memory[MemoryMap.InputIndex]?.Length ?? 0) : 0;
            context.Registers[10] = ((ulong)MemoryMap.StackIndex << MemoryMap.RegionShift) + (ulong)executable.Profile.StackFrameSize;
            // The meter is a signed register; the part of a budget above 2^63 - 1 waits in the reserve, where syscalls
            // and the hand-over to the interpreter still count it, so every 64-bit budget is exact.
            context.Remaining = (long)Math.Min(budget, long.MaxValue);
            context.Reserve = budget - (ulong)context.Remaining;
            context.SyscallShim = (nint)SyscallShim.Pointer;
            context.CallxTable = (nint)Unsafe.AsPointer(ref _callxTable.AsSpan().GetPinnableReference());
            context.CallxCharge = (nint)Unsafe.AsPointer(ref _callxCharge.AsSpan().GetPinnableReference());
            context.TextAddress = executable.TextAddress;
            context.TextLength = (ulong)executable.TextLength;

            ((delegate* unmanaged<JitContext*, void>)_lease.Code.Address)(&context);
            for (var index = 0; index < slots; index++)
            {
                memory[index]?.MarkWritten(context.Watermark(index));
            }

            for (var r = 0; r <= 10 && r < finalRegisters.Length; r++)
            {
                finalRegisters[r] = context.Registers[r];
            }

            return Finish(ref context, memory, budget, state, finalRegisters);
        }
        finally
        {
            for (var index = 0; index < slots; index++)
            {
                if (pins[index].IsAllocated)
                {
                    pins[index].Free();
                }
            }

            state?.Exit();
            _lease.Exit(stripe);
        }
    }

    /// <summary>
    /// Zeroes what the code reads before it writes: the header and region table, and the access windows this program's
    /// code uses (empty windows: every access misses and is checked in full). The other windows, most of the 2.6 KB
    /// context, are never read, so they are not cleared: clearing all of it cost a hello_world run ~70 of its ~260 ns.
    /// </summary>
    private void StartEmpty(JitContext* context)
    {
        var bytes = (byte*)context;
        new Span<byte>(bytes, JitContext.WindowsOffset).Clear();
        for (var pairs = _windowPairs; pairs != 0; pairs &= pairs - 1)
        {
            var pair = System.Numerics.BitOperations.TrailingZeroCount(pairs);
            new Span<byte>(bytes + JitContext.WindowsOffset + pair * 2 * JitContext.WindowEntrySize, 2 * JitContext.WindowEntrySize).Clear();
        }
    }

    // The code checks the holes it was compiled for (sbpf V0's stack gaps, a V0 .so's program start); a caller's map with
    // others runs on the interpreter, which checks every region's.
    private bool ChecksHolesOf(MemoryMap memory)
    {
        var (gapShift, programStart) = (Program.Executable.Profile.StackGapShift, X64Compiler.ChecksProgramStart(Program.Executable));
        for (var index = 0; index < Math.Min(memory.SlotCount, JitContext.MaxRegions); index++)
        {
            if (memory[index] is { HasHoles: true } region
                && (region.MappedFrom != 0 && (index != MemoryMap.ProgramIndex || !programStart)
                    || region.GapShift != 0 && (index != MemoryMap.StackIndex || region.GapShift != gapShift)))
            {
                return false;
            }
        }

        return memory[MemoryMap.StackIndex] is not { } stack || stack.GapShift == gapShift;
    }

    private static bool HasStandardStack(MemoryMap memory, Profile profile) =>
        memory.SlotCount > MemoryMap.StackIndex && memory[MemoryMap.StackIndex] is { Writable: true } stack
        && stack.Length >= profile.StackSize && stack.Data.Length >= stack.Length;

    private ExecutionResult Finish(ref JitContext context, MemoryMap memory, ulong budget, RunState state, Span<ulong> finalRegisters)
    {
        var executable = Program.Executable;
        var metering = Options.Metering;
        var pc = (long)context.Pc;
        var left = (ulong)context.Remaining + context.Reserve;
        ulong Consumed(long tail) => metering ? budget - left - (ulong)tail : 0;
        ulong ConsumedAt(long at) => Consumed(_unitsToEnd[at] - 1);
        switch (context.Status)
        {
            case JitStatus.Ok:
                return ExecutionResult.Ok(context.Registers[0], Consumed(0));
            case JitStatus.BudgetBoundary:
            {
                // The block at pc does not fit: the interpreter runs what still fits and ends the run as it would. The
                // code charged the block's units before it found out, and left the refund to here.
                left = (ulong)(context.Remaining + _unitsToEnd[pc]) + context.Reserve;
                var spent = budget - left;
                Span<ulong> registers = stackalloc ulong[11];
                for (var r = 0; r <= 10; r++)
                {
                    registers[r] = context.Registers[r];
                }

                var rest = Interpreter.Resume(Program, memory, left, state.Context, registers, pc, _unitsToEnd[pc], finalRegisters);
                var total = spent + rest.ComputeUnits;
                return rest.Error is { Kind: VmErrorKind.ComputeBudgetExceeded } exhausted
                    ? ExecutionResult.Fail(VmErrors.BudgetExceeded(exhausted.Pc, budget), total)
                    : rest with { ComputeUnits = total };
            }
            case JitStatus.AccessViolation:
            {
                // The access was at its base register plus its offset; the exit spilled the registers as they were then.
                var ins = executable.Instructions[pc];
                var row = ins.Info;
                var isLoad = row.Shape == OperandShape.Load;
                var address = context.Registers[isLoad ? ins.Src : ins.Dst] + (ulong)(long)ins.Offset;
                return ExecutionResult.Fail(
                    VmErrors.AccessViolation(memory, pc, address, (ulong)row.AccessSize, isLoad ? AccessKind.Load : AccessKind.Store,
                        executable.Profile),
                    ConsumedAt(pc));
            }
            case JitStatus.DivideByZero:
                return ExecutionResult.Fail(VmErrors.DivideByZero(pc), ConsumedAt(pc));
            case JitStatus.DivideOverflow:
                return ExecutionResult.Fail(VmErrors.DivideOverflow(pc), ConsumedAt(pc));
            case JitStatus.CallDepthExceeded:
                return ExecutionResult.Fail(VmErrors.CallDepthExceeded(pc, executable.Profile), ConsumedAt(pc));
            case JitStatus.CallOutsideText:
                return ExecutionResult.Fail(VmErrors.CallOutsideText(pc, context.FaultAddress, executable.TextAddress,
                    (ulong)executable.TextLength), ConsumedAt(pc));
            case JitStatus.InvalidInstruction:
                return ExecutionResult.Fail(VmErrors.CallIntoLddwTail(pc,
                    (long)((context.FaultAddress - executable.TextAddress) / Decoder.SlotSize)), ConsumedAt(pc));
            case JitStatus.Trap:
                return ExecutionResult.Fail(VmErrors.Trap((TrapReason)executable.Code[pc].Imm, pc, (int)context.Depth, executable.Profile),
                    ConsumedAt(pc));
            case JitStatus.LddwTailReached:
                // Charged nothing yet: the tail costs one instruction, as the interpreter counts it, if the budget has it.
                return left == 0 && metering
                    ? ExecutionResult.Fail(VmErrors.BudgetExceeded(pc, budget), budget)
                    : ExecutionResult.Fail(VmErrors.LddwTailReached(pc), Consumed(-1));
            case JitStatus.SyscallFailed:
                var error = state.Error!;
                return ExecutionResult.Fail(error, error.Kind == VmErrorKind.ComputeBudgetExceeded ? budget : Consumed(0));
            default:
                throw new InvalidOperationException($"the generated code returned an unknown status {context.Status}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lease.Dispose();
}
