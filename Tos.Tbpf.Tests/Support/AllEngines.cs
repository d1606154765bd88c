using NUnit.Framework;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
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
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Executable, Programs.VerifiedExecutable> VerifiedPrograms = [];

    public static RunOutcome Run(Executable executable, ReadOnlySpan<byte> input, ulong budget) =>
        Run(executable, input, budget, new DevelopmentHost()).Outcome;

    /// <summary>Runs a contract: each engine gets its own copy of <paramref name="host"/> (logs and storage), and
    /// the copies must end alike. Returns the interpreter's outcome and host.</summary>
    public static (RunOutcome Outcome, DevelopmentHost Host) Run(Executable executable, ReadOnlySpan<byte> input, ulong budget,
        DevelopmentHost host)
    {
        // One verified program per executable, so that the JIT compiles it once however often a test runs it.
        var verified = VerifiedPrograms.GetValue(executable, Vm.Load);
        (RunOutcome Outcome, DevelopmentHost Host)? reference = null;
        foreach (var engine in Engines.Available)
        {
            var copy = Copy(host);
            var memory = MemoryMap.Standard(executable.ProgramRegion, input, executable.Profile);
            var result = engine.Run(verified, memory, budget, new SyscallContext(memory, copy));
            var outcome = new RunOutcome(result, memory);
            if (reference is null)
            {
                reference = (outcome, copy);
                continue;
            }

            AssertSame(reference.Value.Outcome, outcome, engine.Name);
            Assert.That(copy.Logs, Is.EqualTo(reference.Value.Host.Logs), $"{engine.Name}: logs");
            Assert.That(copy.Storage, Is.EqualTo(reference.Value.Host.Storage), $"{engine.Name}: storage");
        }

        return reference!.Value;
    }

    private static DevelopmentHost Copy(DevelopmentHost host)
    {
        var copy = new DevelopmentHost();
        copy.Logs.AddRange(host.Logs.Select(l => l.ToArray()));
        foreach (var (key, value) in host.Storage)
        {
            copy.Storage[key] = value.ToArray();
        }

        return copy;
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
