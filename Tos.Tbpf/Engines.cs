using Tos.Tbpf.Execution;
using Tos.Tbpf.Interpretation;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf;

/// <summary>Chooses an engine by kind. Asking for one that does not exist is an error, never a silent fallback.</summary>
public static class Engines
{
    /// <summary>The reference interpreter.</summary>
    public static IEngine Interpreter { get; } = new InterpreterEngine();

    /// <summary>Every engine this build can run on this host, for differential runs.</summary>
    public static IReadOnlyList<IEngine> Available { get; } = [Interpreter];

    /// <summary>The engine for <paramref name="kind"/>; throws <see cref="EngineUnavailableException"/> when it does not exist.</summary>
    public static IEngine Get(EngineKind kind) => kind switch
    {
        EngineKind.Interpreter => Interpreter,
        // Until the JIT lands, Auto means the interpreter on every host.
        EngineKind.Auto => Interpreter,
        EngineKind.Jit => throw new EngineUnavailableException(kind, "this build has no JIT yet; use --engine interpreter"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private sealed class InterpreterEngine : IEngine
    {
        public string Name => "interpreter";

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext) =>
            Tos.Tbpf.Interpretation.Interpreter.Run(program, memory, budget, syscallContext);
    }
}
