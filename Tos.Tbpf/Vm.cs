using Tos.Tbpf.Execution;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf;

/// <summary>The result of <see cref="Vm.Run"/>: the outcome and the memory it left.</summary>
/// <param name="Result">r0 or the error, and compute units.</param>
/// <param name="Memory">The invocation's regions after the run.</param>
public sealed record RunOutcome(ExecutionResult Result, MemoryMap Memory);

/// <summary>The front door: verify a program, then run it on an engine with fresh memory.</summary>
public static class Vm
{
    /// <summary>Verifies <paramref name="executable"/>; throws <see cref="VerifierException"/> when it is rejected.</summary>
    public static VerifiedExecutable Load(Executable executable) => Verifier.Verify(executable);

    /// <summary>Runs <paramref name="program"/> once over a fresh standard memory map holding a copy of <paramref name="input"/>.</summary>
    public static RunOutcome Run(VerifiedExecutable program, ReadOnlySpan<byte> input, ulong budget,
        EngineKind engine = EngineKind.Auto, int heapSize = MemoryMap.DefaultHeapSize, object? hostState = null)
    {
        var executable = program.Executable;
        var memory = MemoryMap.Standard(executable, input, heapSize);
        var result = Engines.Get(engine).Run(program, memory, budget, new SyscallContext(memory, hostState));
        return new RunOutcome(result, memory);
    }
}
