using Tos.Tbpf.Execution;
using Tos.Tbpf.Memory;

namespace Tos.Tbpf.Syscalls;

/// <summary>What a syscall may touch during one call: the guest memory (through checked translation),
/// the compute meter, and the host's per-invocation state.</summary>
public sealed class SyscallContext
{
    private ulong _available;

    /// <summary>Creates the context of one invocation.</summary>
    public SyscallContext(MemoryMap memory, object? hostState = null)
    {
        Memory = memory;
        HostState = hostState;
    }

    /// <summary>The invocation's memory; every guest pointer goes through it.</summary>
    public MemoryMap Memory { get; }

    /// <summary>Whatever the host attached to the invocation (the contract host's overlay, say).</summary>
    public object? HostState { get; private set; }

    /// <summary>Units charged by the current call so far.</summary>
    public ulong Charged { get; private set; }

    /// <summary>Units the budget still has during the current call, after its charges so far.</summary>
    public ulong Remaining => _available - Charged;

    /// <summary>Attaches a pooled context to the next invocation's host state.</summary>
    internal void Rebind(object? hostState) => HostState = hostState;

    /// <summary>Starts a call with <paramref name="available"/> units left in the budget.</summary>
    public void BeginCall(ulong available)
    {
        _available = available;
        Charged = 0;
    }

    /// <summary>Charges compute units before an effect; throws (and so ends the run with
    /// <see cref="VmErrorKind.ComputeBudgetExceeded"/>) when the budget cannot cover them.</summary>
    public void Charge(ulong units)
    {
        if (units > _available - Charged)
        {
            throw new VmFaultException(VmErrorKind.ComputeBudgetExceeded,
                $"the syscall needs {units} compute units, {_available - Charged} are left");
        }

        Charged += units;
    }

    /// <summary>Readable guest bytes; a bad range is an access violation at the call.</summary>
    public ReadOnlySpan<byte> Read(ulong vaddr, ulong length) => Memory.Slice(vaddr, length, AccessKind.Load);

    /// <summary>Writable guest bytes; a bad or read-only range is an access violation at the call.</summary>
    public Span<byte> Write(ulong vaddr, ulong length) => Memory.Slice(vaddr, length, AccessKind.Store);
}
