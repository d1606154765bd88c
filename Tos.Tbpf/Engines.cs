using Tos.Tbpf.Execution;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf;

/// <summary>Chooses an engine by kind. Asking for one that does not exist is an error, never a silent fallback.</summary>
public static class Engines
{
    private static readonly bool JitSupported = JitEngine.IsSupported(out JitUnsupportedReason);
    private static readonly string JitUnsupportedReason;

    /// <summary>The reference interpreter.</summary>
    public static IEngine Interpreter { get; } = new InterpreterEngine();

    /// <summary>The JIT with metering and hardening on, or null where this host cannot run it.</summary>
    public static IEngine? Jit { get; } = JitSupported ? new CompilingEngine(new JitEngine()) : null;

    /// <summary>Every engine this build can run on this host, the interpreter first, for differential runs.</summary>
    public static IReadOnlyList<IEngine> Available { get; } = Jit is null ? [Interpreter] : [Interpreter, Jit];

    /// <summary>The engine for <paramref name="kind"/>; throws <see cref="EngineUnavailableException"/> when it does not exist.</summary>
    public static IEngine Get(EngineKind kind) => Select(kind, Jit, JitUnsupportedReason);

    /// <summary>A JIT engine with other options (metering off, hardening off), for benchmarks and tests.</summary>
    public static IEngine CreateJit(JitOptions options) => JitSupported
        ? new CompilingEngine(new JitEngine(options))
        : throw new EngineUnavailableException(EngineKind.Jit, JitUnsupportedReason);

    /// <summary>The choice itself, with the host's JIT (or its absence) passed in, so that every branch can be tested
    /// on any host: <see cref="EngineKind.Auto"/> is the JIT where it exists, the interpreter elsewhere.</summary>
    public static IEngine Select(EngineKind kind, IEngine? jit, string jitUnsupportedReason) => kind switch
    {
        EngineKind.Interpreter => Interpreter,
        EngineKind.Auto => jit ?? Interpreter,
        EngineKind.Jit => jit ?? throw new EngineUnavailableException(kind, jitUnsupportedReason),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private sealed class InterpreterEngine : IEngine
    {
        public string Name => "interpreter";

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext) =>
            Tos.Tbpf.Interpretation.Interpreter.Run(program, memory, budget, syscallContext);

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext,
            Span<ulong> finalRegisters) => Tos.Tbpf.Interpretation.Interpreter.Run(program, memory, budget, syscallContext, finalRegisters);

        public void Prepare(VerifiedExecutable program)
        {
            // The interpreter runs the decoded instructions as they are.
        }
    }

    private sealed class CompilingEngine(JitEngine engine) : IEngine
    {
        public string Name => "jit";

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext) =>
            engine.Run(program, memory, budget, syscallContext);

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext,
            Span<ulong> finalRegisters) => engine.Run(program, memory, budget, syscallContext, finalRegisters);

        public void Prepare(VerifiedExecutable program) => engine.Compile(program);
    }
}
