using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Memory;

/// <summary>
/// The memory of one invocation, reused across invocations: a standard <see cref="MemoryMap"/> over pinned buffers
/// for the stack, heap and input, and the syscall context bound to it. Renting and returning it allocates nothing.
/// Every rental starts with a zeroed stack and heap: on return, what its runs wrote (each region's
/// <see cref="MemoryRegion.WrittenEnd"/>, which stores and syscall writes move up) is zeroed, so clearing costs what the
/// invocation touched, not the whole 256 KiB stack.
/// </summary>
public sealed class InvocationMemory
{
    private readonly MemoryRegion _program, _stack, _heap, _input;

    internal InvocationMemory()
    {
        _program = new MemoryRegion("program", MemoryMap.ProgramIndex, [], 0, writable: false, pinned: true);
        _stack = new MemoryRegion("stack", MemoryMap.StackIndex, [], 0, writable: true, pinned: true);
        _heap = new MemoryRegion("heap", MemoryMap.HeapIndex, [], 0, writable: true, pinned: true);
        _input = new MemoryRegion("input", MemoryMap.InputIndex, [], 0, writable: false, pinned: true);
        Map = new MemoryMap([_program, _stack, _heap, _input]);
        Syscalls = new SyscallContext(Map);
    }

    /// <summary>True while rented: returning it twice would hand one invocation's memory to two.</summary>
    internal bool Rented { get; set; }

    /// <summary>The map (valid from <see cref="Prepare"/> until the memory goes back to its pool).</summary>
    public MemoryMap Map { get; }

    /// <summary>The syscall context over <see cref="Map"/>, carrying the host state given to <see cref="Prepare"/>.</summary>
    public SyscallContext Syscalls { get; }

    /// <summary>Maps <paramref name="executable"/>'s program region, a zeroed stack of its profile's size, a zeroed heap of
    /// <paramref name="heapSize"/> bytes and a copy of <paramref name="input"/>; returns the map.</summary>
    public MemoryMap Prepare(Executable executable, ReadOnlySpan<byte> input, object? hostState,
        int heapSize = MemoryMap.DefaultHeapSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(heapSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(heapSize, MemoryMap.MaxHeapSize);
        var profile = executable.Profile;
        _program.Rebind(executable.ProgramRegion, executable.ProgramRegion.Length, pinned: true, writable: false);
        _program.MappedFrom = executable.ProgramRegionStart;
        Reserve(_stack, profile.StackSize);
        _stack.GapShift = profile.StackGapShift;
        Reserve(_heap, heapSize);
        // The input is copied over whatever an earlier input left; only its own length is mapped.
        var buffer = _input.Data.Length >= input.Length ? _input.Data : GC.AllocateUninitializedArray<byte>(input.Length, pinned: true);
        input.CopyTo(buffer);
        _input.Rebind(buffer, input.Length, pinned: true, profile.InputWritable);
        Syscalls.Rebind(hostState);
        return Map;
    }

    /// <summary>Zeroes what the runs wrote into the stack and heap and drops the program and host state, so nothing of
    /// this invocation is visible to the next.</summary>
    internal void Clear()
    {
        _stack.ClearWritten();
        _heap.ClearWritten();
        _program.Rebind([], 0, pinned: true, writable: false);
        Syscalls.Rebind(null);
    }

    // Buffers only grow: a new one arrives zeroed, and a reused one was cleared when it came back.
    private static void Reserve(MemoryRegion region, int length) =>
        region.Rebind(region.Data.Length >= length ? region.Data : GC.AllocateArray<byte>(length, pinned: true), length,
            pinned: true, writable: true);
}
