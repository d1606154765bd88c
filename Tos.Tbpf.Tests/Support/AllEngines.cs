using NUnit.Framework;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Tests.Support;

/// <summary>
/// The one helper every execution test goes through: runs a program on every engine that exists, asserts they
/// agree on result, error kind, pc, compute units and (after a success) memory, and returns the interpreter's run.
/// </summary>
public static class AllEngines
{
    public static RunOutcome Run(Executable executable, ReadOnlySpan<byte> input, ulong budget)
    {
        var verified = Vm.Load(executable);
        RunOutcome? reference = null;
        foreach (var engine in Engines.Available)
        {
            var memory = MemoryMap.Standard(executable.ProgramRegion, input, executable.Profile);
            var result = engine.Run(verified, memory, budget, new SyscallContext(memory));
            var outcome = new RunOutcome(result, memory);
            if (reference is null)
            {
                reference = outcome;
                continue;
            }

            AssertSame(reference, outcome, engine.Name);
        }

        return reference!;
    }

    public static RunOutcome Run(string asm, Profile profile, ReadOnlySpan<byte> input = default, ulong budget = 1_000_000,
        SyscallRegistry? syscalls = null) =>
        Run(Executable.FromAssembly(asm, profile, syscalls), input, budget);

    /// <summary>One line per outcome, as the spec reads: <c>Ok 0x2a, cu 3</c> or <c>DivideByZero at pc 2, cu 3</c>.</summary>
    public static string Describe(string asm, Profile profile, ulong budget = 1_000_000, SyscallRegistry? syscalls = null) =>
        Run(asm, profile, default, budget, syscalls).Result.Describe();

    private static void AssertSame(RunOutcome expected, RunOutcome actual, string engine)
    {
        Assert.That(actual.Result.Describe(), Is.EqualTo(expected.Result.Describe()), $"{engine} disagrees with the interpreter");
        Assert.That(actual.Result.R0, Is.EqualTo(expected.Result.R0), $"{engine}: r0");
        if (expected.Result.IsOk)
        {
            foreach (var region in expected.Memory.Regions)
            {
                Assert.That(actual.Memory[region.Index]!.Data, Is.EqualTo(region.Data),
                    $"{engine}: {region.Name} region differs after the run");
            }
        }
    }
}
