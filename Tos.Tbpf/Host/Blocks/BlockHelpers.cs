using System.Runtime.InteropServices;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>
/// Long-lived threads that help run parallel blocks. Each waits for work, adopts the scheduling priority of the thread
/// that asked for the block (on Linux a thread's nice value is its own: a node, or a benchmark harness, that raised its
/// block thread's priority would otherwise leave the helpers behind on a busy core), runs the work and waits again.
/// Starting helpers is best effort: a block never waits for a helper that is not there.
/// </summary>
internal static class BlockHelpers
{
    private const int MaxHelpers = 64;
    private static readonly Lock Gate = new();
    private static readonly Stack<Helper> Idle = new();
    private static int _created;

    /// <summary>Hands <paramref name="work"/> to up to <paramref name="count"/> idle (or new) helpers.</summary>
    public static void Start(Action work, int count)
    {
        var priority = SchedulingPriority.OfCurrentThread();
        for (var i = 0; i < count; i++)
        {
            Helper? helper;
            lock (Gate)
            {
                if (!Idle.TryPop(out helper))
                {
                    if (_created >= MaxHelpers)
                    {
                        return;
                    }

                    _created++;
                }
            }

            (helper ?? new Helper()).Run(work, priority);
        }
    }

    private sealed class Helper
    {
        private readonly SemaphoreSlim _signal = new(0);
        private Action? _work;
        private int? _priority;

        public Helper() => new Thread(Loop) { IsBackground = true, Name = "tbpf-block-helper" }.Start();

        public void Run(Action work, int? priority)
        {
            _work = work;
            _priority = priority;
            _signal.Release();
        }

        private void Loop()
        {
            while (true)
            {
                _signal.Wait();
                SchedulingPriority.SetCurrentThread(_priority);
                try
                {
                    _work!();
                }
                finally
                {
                    _work = null;
                    lock (Gate)
                    {
                        Idle.Push(this);
                    }
                }
            }
        }
    }
}

/// <summary>
/// Helpers woken before their work exists: a block wakes them as it starts to resolve its transactions, so a helper's
/// wake-up (a futex wake of an idle core: tens to hundreds of microseconds on a virtual machine, a tenth of a block of
/// a thousand transfers) overlaps that work instead of following it. Each waits, spinning, until the work is assigned
/// or the crew is disposed without it.
/// </summary>
internal sealed class HelperCrew : IDisposable
{
    private Action? _work;
    private volatile bool _disbanded;

    private HelperCrew()
    {
    }

    /// <summary>Wakes up to <paramref name="count"/> helpers (none for a count below 1).</summary>
    public static HelperCrew Wake(int count)
    {
        var crew = new HelperCrew();
        BlockHelpers.Start(crew.Await, count);
        return crew;
    }

    /// <summary>Gives every helper of the crew (those woken already and those still waking) <paramref name="work"/>.</summary>
    public void Assign(Action work) => Volatile.Write(ref _work, work);

    /// <summary>The work is over, or there will be none: helpers that have not started it go back to sleep.</summary>
    public void Dispose() => _disbanded = true;

    private void Await()
    {
        var wait = new SpinWait();
        // A helper that wakes after the crew disbanded has nothing to do: the work, if any, is over.
        while (!_disbanded)
        {
            if (Volatile.Read(ref _work) is { } work)
            {
                work();
                return;
            }

            wait.SpinOnce(sleep1Threshold: -1);
        }
    }
}

/// <summary>A thread's scheduling priority (its nice value) on Linux; elsewhere nothing is known and nothing is set.</summary>
internal static partial class SchedulingPriority
{
    private const int PrioProcess = 0;

    public static int? OfCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            Marshal.SetLastPInvokeError(0);
            var nice = getpriority(PrioProcess, gettid());
            return nice == -1 && Marshal.GetLastPInvokeError() != 0 ? null : nice;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without these calls (or under another name): the helpers keep their default priority.
            return null;
        }
    }

    /// <summary>Best effort: raising a priority needs the right to, and a refusal changes nothing.</summary>
    public static void SetCurrentThread(int? nice)
    {
        // A value is only ever known where OfCurrentThread could call the C library, so these calls resolve here too.
        if (nice is { } value && OperatingSystem.IsLinux())
        {
            _ = setpriority(PrioProcess, gettid(), value);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getpriority(int which, int who);

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int priority);

    [DllImport("libc")]
    private static extern int gettid();
}
