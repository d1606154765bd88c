using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Jit.Runtime;

/// <summary>
/// What a run's syscalls need from managed code. Generated code calls the shim on the thread that entered it, so the
/// current run's state is a thread-static (saved and restored around nested runs); reusing one per thread keeps a run
/// free of allocation.
/// </summary>
internal sealed class RunState
{
    [ThreadStatic] private static RunState? t_current;
    [ThreadStatic] private static RunState? t_spare;

    private RunState? _outer;

    public static RunState Current => t_current ?? throw new InvalidOperationException("no JIT run is active on this thread");

    public Programs.Executable Executable { get; private set; } = null!;

    public SyscallContext Context { get; private set; } = null!;

    /// <summary>The error of the syscall that failed, if one did.</summary>
    public VmError? Error { get; set; }

    /// <summary>Makes a state current for a run on this thread.</summary>
    public static RunState Enter(Programs.Executable executable, SyscallContext context)
    {
        var state = t_spare ?? new RunState();
        t_spare = null;
        state._outer = t_current;
        state.Executable = executable;
        state.Context = context;
        state.Error = null;
        t_current = state;
        return state;
    }

    /// <summary>Ends the run: the outer run's state (if any) is current again.</summary>
    public void Exit()
    {
        t_current = _outer;
        _outer = null;
        Executable = null!;
        Context = null!;
        Error = null;
        t_spare = this;
    }
}

/// <summary>
/// The only way generated code calls managed code. It runs the syscall through <see cref="SyscallDispatch"/>,
/// exactly as the interpreter does, and never lets an exception cross back into JIT frames.
/// </summary>
internal static unsafe class SyscallShim
{
    public static readonly delegate* unmanaged<JitContext*, int> Pointer = &Invoke;

    [UnmanagedCallersOnly]
    private static int Invoke(JitContext* context)
    {
        RunState? state = null;
        try
        {
            state = RunState.Current;
            return Dispatch(context, state);
        }
        catch (Exception exception)
        {
            // Unreachable unless the runtime itself fails: SyscallDispatch already converts handler exceptions.
            if (state is not null)
            {
                state.Error = new VmError(VmErrorKind.SyscallError, context->Pc, $"syscall dispatch failed: {exception.Message}");
            }

            return 1;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Dispatch(JitContext* context, RunState state)
    {
        var key = context->SyscallKey;
        var pc = context->Pc;
        if (key > uint.MaxValue || !state.Executable.Syscalls.TryGet((uint)key, out var syscall))
        {
            state.Error = SyscallDispatch.UnknownHelper(key, pc);
            return 1;
        }

        ReadOnlySpan<ulong> arguments = [context->Registers[1], context->Registers[2], context->Registers[3],
            context->Registers[4], context->Registers[5]];
        // The block charge leaves the meter non-negative here; the reserve holds what a 64-bit budget has beyond it.
        var available = (ulong)context->Remaining + context->Reserve;
        var error = SyscallDispatch.Invoke(syscall, state.Context, available, pc, arguments, out var result, out var charged,
            state.Executable.Profile.SyscallFaultsAreSyscallErrors);
        var left = available - charged;
        context->Remaining = (long)Math.Min(left, long.MaxValue);
        context->Reserve = left - (ulong)context->Remaining;
        if (error is not null)
        {
            state.Error = error;
            return 1;
        }

        context->Registers[0] = result;
        return 0;
    }
}
