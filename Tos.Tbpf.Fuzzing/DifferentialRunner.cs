using System.Text;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Fuzzing;

/// <summary>Everything a run shows: its result, the registers it ended with, the memory it left, what it did to the host.</summary>
public sealed record RunSnapshot(string Result, string Registers, string Memory, string Effects)
{
    /// <summary>The fields in which two snapshots differ.</summary>
    public IEnumerable<string> Differences(RunSnapshot other)
    {
        if (Result != other.Result)
        {
            yield return "result";
        }

        if (Registers != other.Registers)
        {
            yield return "registers";
        }

        if (Memory != other.Memory)
        {
            yield return "memory";
        }

        if (Effects != other.Effects)
        {
            yield return "effects";
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Result}\n  registers {Registers}\n  memory {Memory}\n  effects {Effects}";
}

/// <summary>One configuration a program is checked under: a budget and the JIT's options.</summary>
public sealed record FuzzRun(ulong Budget, JitOptions JitOptions);

/// <summary>A disagreement: the program, its input, the configuration, and both engines' snapshots.</summary>
public sealed record Mismatch(byte[] Bytecode, byte[] Input, Profile Profile, FuzzRun Run, RunSnapshot Interpreter, RunSnapshot Jit)
{
    /// <summary>What differs.</summary>
    public string Fields => string.Join(", ", Interpreter.Differences(Jit));
}

/// <summary>
/// Runs a program on the interpreter (the oracle) and on the JIT, each over its own pooled memory and its own host state,
/// and compares every observable: r0, error kind, pc, message, compute units, r0–r10 at the end, the stack, heap and
/// input regions, and the host effects (logs, events, transfers, state changes).
/// </summary>
public sealed class DifferentialRunner
{
    private readonly Profile _profile;
    private readonly IEngine _interpreter = Engines.Interpreter;

    /// <summary>A runner for programs of <paramref name="profile"/>.</summary>
    public DifferentialRunner(Profile profile) => _profile = profile;

    /// <summary>Whether the JIT exists on this host (the differential needs it).</summary>
    public static bool JitAvailable => Engines.Jit is not null;

    /// <summary>Runs the interpreter alone and returns its snapshot (and the compute units consumed).</summary>
    public RunSnapshot Interpret(VerifiedExecutable program, byte[] input, ulong budget, out ExecutionResult result) =>
        Run(_interpreter, program, input, budget, out result);

    /// <summary>The snapshot of <paramref name="compiled"/>'s run.</summary>
    public RunSnapshot Compiled(JitProgram compiled, byte[] input, ulong budget) =>
        Run(new JitAdapter(compiled), compiled.Program, input, budget, out _);

    private RunSnapshot Run(IEngine engine, VerifiedExecutable program, byte[] input, ulong budget, out ExecutionResult result)
    {
        var state = new InMemoryContractState();
        var invocation = new Invocation(Hash32.Zero, new StateOverlay(state), ChainContext.Offline);
        var memory = InvocationMemoryPool.Rent();
        Span<ulong> registers = stackalloc ulong[11];
        try
        {
            var map = memory.Prepare(program.Executable, input, invocation);
            result = engine.Run(program, map, budget, memory.Syscalls, registers);
            return new RunSnapshot(Describe(result), Describe(registers), Describe(map), Describe(invocation));
        }
        finally
        {
            InvocationMemoryPool.Return(memory);
        }
    }

    private static string Describe(ExecutionResult result) =>
        $"{result.Describe()} r0=0x{result.R0:x}{(result.Error is { } error ? $" \"{error.Message}\"" : "")}";

    private static string Describe(ReadOnlySpan<ulong> registers)
    {
        var text = new StringBuilder();
        for (var r = 0; r < registers.Length; r++)
        {
            text.Append(r == 0 ? "" : " ").Append($"r{r}=0x{registers[r]:x}");
        }

        return text.ToString();
    }

    // The regions a program can write, each as the hash of its bytes up to the last non-zero one, and that length:
    // equal descriptions mean equal bytes (the rest is zeros). A run writes little of its 300 KiB, so hashing only the
    // prefix, found by a vectorised scan, keeps this from dominating a fuzzing run.
    private static string Describe(MemoryMap map)
    {
        var text = new StringBuilder();
        foreach (var index in new[] { MemoryMap.StackIndex, MemoryMap.HeapIndex, MemoryMap.InputIndex })
        {
            var region = map[index]!;
            var used = region.Bytes[..(region.Bytes.LastIndexOfAnyExcept((byte)0) + 1)];
            text.Append($"{region.Name}:{used.Length}:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(used))[..16]} ");
        }

        return text.ToString().TrimEnd();
    }

    private static string Describe(Invocation invocation)
    {
        var text = new StringBuilder();
        foreach (var log in invocation.Logs)
        {
            text.Append("log:").Append(Convert.ToHexStringLower(log)).Append(' ');
        }

        foreach (var e in invocation.Events)
        {
            text.Append("event:").Append(Convert.ToHexStringLower(e.Topic)).Append('/').Append(Convert.ToHexStringLower(e.Data)).Append(' ');
        }

        foreach (var t in invocation.Transfers)
        {
            text.Append($"transfer:{t.From}>{t.To}:{t.Asset}:{t.Amount} ");
        }

        foreach (var (key, value) in invocation.Overlay.Changes)
        {
            text.Append("change:").Append(Convert.ToHexStringLower(key)).Append('=').Append(value is null ? "-" : Convert.ToHexStringLower(value)).Append(' ');
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>One compiled program (compiled and disposed by the caller), seen as an <see cref="IEngine"/>.</summary>
    private sealed class JitAdapter(JitProgram compiled) : IEngine
    {
        public string Name => "jit";

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, Syscalls.SyscallContext? syscallContext = null) =>
            compiled.Run(memory, budget, syscallContext);

        public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, Syscalls.SyscallContext? syscallContext,
            Span<ulong> finalRegisters) => compiled.Run(memory, budget, syscallContext, finalRegisters);

        public void Prepare(VerifiedExecutable program)
        {
            // Compiled already.
        }
    }
}
