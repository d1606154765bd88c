using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Jit;

/// <summary>Runs programs through the x86-64 JIT, compiling each verified program once and sharing the code.</summary>
public sealed class JitEngine
{
    private readonly ConditionalWeakTable<VerifiedExecutable, JitProgram> _compiled = [];

    /// <summary>An engine compiling with <paramref name="options"/> (the defaults: metering and hardening on).</summary>
    public JitEngine(JitOptions? options = null) => Options = options ?? JitOptions.Default;

    /// <summary>How this engine compiles.</summary>
    public JitOptions Options { get; }

    /// <summary>Whether this host can run the JIT's code: x86-64 with BMI2 (its shifts), on Linux (its mmap).</summary>
    public static bool IsSupported(out string reason)
    {
        reason = RuntimeInformation.ProcessArchitecture != Architecture.X64 ? $"the host is {RuntimeInformation.ProcessArchitecture}, not x64"
            : !Bmi2.X64.IsSupported ? "the CPU lacks BMI2"
            : !OperatingSystem.IsLinux() ? "executable memory is only mapped on Linux"
            : "";
        return reason.Length == 0;
    }

    /// <summary>The compiled form of <paramref name="program"/>, compiled on first use.</summary>
    public JitProgram Compile(VerifiedExecutable program) =>
        // The lookup first: the factory closure is only allocated when the program is new.
        _compiled.TryGetValue(program, out var compiled) ? compiled : _compiled.GetValue(program, p => JitProgram.Compile(p, Options));

    /// <summary>Runs <paramref name="program"/> over <paramref name="memory"/>.</summary>
    public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext = null) =>
        Compile(program).Run(memory, budget, syscallContext);

    /// <summary>Runs <paramref name="program"/>, writing the final r0–r10 to <paramref name="finalRegisters"/>.</summary>
    public ExecutionResult Run(VerifiedExecutable program, MemoryMap memory, ulong budget, SyscallContext? syscallContext,
        Span<ulong> finalRegisters) => Compile(program).Run(memory, budget, syscallContext, finalRegisters);
}
