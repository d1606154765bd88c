using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Jit.Runtime;

/// <summary>What a run's syscalls need from managed code, reached from the generated code through a GCHandle.</summary>
internal sealed class RunState(Programs.Executable executable, SyscallContext context)
{
    public Programs.Executable Executable { get; } = executable;

    public SyscallContext Context { get; } = context;

    /// <summary>The error of the syscall that failed, if one did.</summary>
    public VmError? Error { get; set; }
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
            state = (RunState)GCHandle.FromIntPtr(context->ManagedState).Target!;
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
        var available = (ulong)Math.Max(context->Remaining, 0);
        var error = SyscallDispatch.Invoke(syscall, state.Context, available, pc, arguments, out var result, out var charged);
        context->Remaining -= (long)charged;
        if (error is not null)
        {
            state.Error = error;
            return 1;
        }

        context->Registers[0] = result;
        return 0;
    }
}
