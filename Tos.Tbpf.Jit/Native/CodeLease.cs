using System.Runtime.InteropServices;

namespace Tos.Tbpf.Jit.Native;

/// <summary>
/// Keeps a program's machine code mapped while any run is inside it. Runs enter and leave through per-processor counters
/// (so that threads running the same program do not fight over one cache line, as a single reference count would make
/// them); disposing marks the lease and the code is unmapped by whoever sees the last run leave: the disposer, or the
/// run itself. A run that starts after disposal is refused. The enter/dispose handshake is Dekker's: each side writes,
/// fences, then reads the other's flag, so at least one of them sees the other. <paramref name="released"/> runs once,
/// right after the code is unmapped (the program gives back what only its runs read).
/// </summary>
internal sealed class CodeLease(ExecutableMemory code, Action? released = null) : IDisposable
{
    private const int Stripes = 16;
    private readonly PaddedCounter[] _inFlight = new PaddedCounter[Stripes];
    private volatile bool _disposed;
    private int _released;

    /// <summary>The mapped code.</summary>
    public ExecutableMemory Code { get; } = code;

    /// <summary>True once the code is unmapped.</summary>
    public bool IsReleased => Volatile.Read(ref _released) == 1;

    /// <summary>Enters a run; false (and nothing held) when the lease is disposed.</summary>
    public bool TryEnter(out int stripe)
    {
        stripe = Thread.GetCurrentProcessorId() & (Stripes - 1);
        Interlocked.Increment(ref _inFlight[stripe].Value);
        if (!_disposed)
        {
            return true;
        }

        Exit(stripe);
        return false;
    }

    /// <summary>Leaves a run entered on <paramref name="stripe"/>.</summary>
    public void Exit(int stripe)
    {
        Interlocked.Decrement(ref _inFlight[stripe].Value);
        if (_disposed)
        {
            ReleaseIfIdle();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        Interlocked.MemoryBarrier();
        ReleaseIfIdle();
    }

    private void ReleaseIfIdle()
    {
        long inside = 0;
        foreach (ref var counter in _inFlight.AsSpan())
        {
            inside += Volatile.Read(ref counter.Value);
        }

        if (inside == 0 && Interlocked.Exchange(ref _released, 1) == 0)
        {
            Code.Dispose();
            released?.Invoke();
        }
    }

    // A counter alone on its cache line (a run may leave on another processor than it entered: only the sum matters).
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)] public long Value;
    }
}
