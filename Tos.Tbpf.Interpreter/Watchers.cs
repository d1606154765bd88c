using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tos.Tbpf.Interpretation;

/// <summary>Called before each instruction of an observed run: its pc, the compute units consumed before it, and r0–r10.</summary>
public delegate void StepObserver(long pc, ulong unitsBefore, ReadOnlySpan<ulong> registers);

/// <summary>What the interpreter's loop tells before each instruction; a struct, so each kind gets its own copy of the loop.</summary>
internal interface IWatcher
{
    void Before(long pc, ulong units, ref Registers registers);
}

/// <summary>Plain runs: nothing, inlined away.</summary>
internal struct NoWatcher : IWatcher
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Before(long pc, ulong units, ref Registers registers)
    {
    }
}

/// <summary>Observed runs: hands each step to a <see cref="StepObserver"/>.</summary>
internal readonly struct CallbackWatcher(StepObserver observer) : IWatcher
{
    public void Before(long pc, ulong units, ref Registers registers) =>
        observer(pc, units, MemoryMarshal.CreateReadOnlySpan(ref registers[0], 11));
}
