using Tos.Tbpf.Execution;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf;

/// <summary>Something that runs verified programs; every engine gives the interpreter's results exactly.</summary>
public interface IEngine
{
    /// <summary>A short name: <c>interpreter</c>, <c>jit</c>.</summary>
    string Name { get; }

    /// <summary>Runs <paramref name="program"/> over <paramref name="memory"/> (changed in place) with <paramref name="budget"/> compute units.</summary>
    ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext = null);

    /// <summary>As <see cref="Run(VerifiedExecutable, MemoryMap, ulong, SyscallContext?)"/>, also writing r0–r10 as they
    /// are when the run ends to <paramref name="finalRegisters"/> (differential testing compares them).</summary>
    ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext, Span<ulong> finalRegisters);

    /// <summary>Does once what every run of <paramref name="program"/> needs (the JIT compiles it); later runs share it.</summary>
    void Prepare(VerifiedExecutable program);
}

/// <summary>The engine asked for does not exist on this host or in this build.</summary>
public sealed class EngineUnavailableException(EngineKind kind, string reason)
    : Exception($"the {kind.ToString().ToLowerInvariant()} engine is not available: {reason}")
{
    /// <summary>The engine that was asked for.</summary>
    public EngineKind Kind { get; } = kind;
}
