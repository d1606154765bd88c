namespace Tos.Tbpf.Memory;

/// <summary>
/// A process-wide pool of <see cref="InvocationMemory"/>: one cached per thread (no lock on the common path) and a
/// bounded shared stack for the rest. Thread-safe; renting and returning allocate nothing in the steady state.
/// </summary>
public static class InvocationMemoryPool
{
    private const int SharedCapacity = 64;

    [ThreadStatic]
    private static InvocationMemory? t_cached;

    private static readonly Stack<InvocationMemory> Shared = new(SharedCapacity);
    private static readonly Lock SharedLock = new();

    /// <summary>Memory for one invocation; give it back with <see cref="Return"/> when the run and its results are done.</summary>
    public static InvocationMemory Rent()
    {
        var memory = t_cached;
        if (memory is not null)
        {
            t_cached = null;
        }
        else
        {
            lock (SharedLock)
            {
                Shared.TryPop(out memory);
            }
        }

        memory ??= new InvocationMemory();
        memory.Rented = true;
        return memory;
    }

    /// <summary>Zeroes what the invocation wrote and makes the memory available again.</summary>
    public static void Return(InvocationMemory memory)
    {
        if (!memory.Rented)
        {
            throw new InvalidOperationException("this invocation memory is not rented (returned twice?)");
        }

        memory.Rented = false;
        memory.Clear();
        if (t_cached is null)
        {
            t_cached = memory;
            return;
        }

        lock (SharedLock)
        {
            if (Shared.Count < SharedCapacity)
            {
                Shared.Push(memory);
            }
        }
    }
}
