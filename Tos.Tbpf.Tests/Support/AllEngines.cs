using NUnit.Framework;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Tests.Support;

/// <summary>
/// The one helper every execution test goes through: runs a program on every engine that exists, asserts they
/// agree on result, error (kind, pc, message), compute units and (after a success) memory, and returns the interpreter's run.
/// </summary>
public static class AllEngines
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Executable, Programs.VerifiedExecutable> VerifiedPrograms = [];

    public static RunOutcome Run(Executable executable, ReadOnlySpan<byte> input, ulong budget) =>
        Run(executable, input, budget, new InMemoryContractState()).Outcome;

    /// <summary>Runs a contract over <paramref name="state"/>: each engine gets its own copy and its own invocation,
    /// and they must end alike (logs, events, transfers, state changes). Returns the interpreter's outcome and
    /// invocation; nothing is committed.</summary>
    public static (RunOutcome Outcome, Invocation Host) Run(Executable executable, ReadOnlySpan<byte> input, ulong budget,
        InMemoryContractState state, ChainContext? chain = null)
    {
        // One verified program per executable, so that the JIT compiles it once however often a test runs it.
        var verified = VerifiedPrograms.GetValue(executable, Vm.Load);
        (RunOutcome Outcome, Invocation Host)? reference = null;
        foreach (var engine in Engines.Available)
        {
            var copy = new Invocation(Hash32.Zero, new StateOverlay(state.Clone()), chain ?? ChainContext.Offline);
            var memory = MemoryMap.Standard(executable, input);
            var result = engine.Run(verified, memory, budget, new SyscallContext(memory, copy));
            var outcome = new RunOutcome(result, memory);
            if (reference is null)
            {
                reference = (outcome, copy);
                continue;
            }

            AssertSame(reference.Value.Outcome, outcome, engine.Name);
            var expected = reference.Value.Host;
            Assert.That(copy.Logs, Is.EqualTo(expected.Logs), $"{engine.Name}: logs");
            Assert.That(copy.Events, Is.EqualTo(expected.Events).Using<ContractEvent>((a, b) => a.Topic.SequenceEqual(b.Topic) && a.Data.SequenceEqual(b.Data)),
                $"{engine.Name}: events");
            Assert.That(copy.Transfers, Is.EqualTo(expected.Transfers), $"{engine.Name}: transfers");
            Assert.That(copy.Overlay.Changes, Is.EqualTo(expected.Overlay.Changes), $"{engine.Name}: state changes");
        }

        return reference!.Value;
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
        // The whole error, not just its kind and pc: an access violation's address, length and region are in it.
        Assert.That(actual.Result.Error?.Message, Is.EqualTo(expected.Result.Error?.Message), $"{engine}: error message");
        Assert.That(actual.Result.Error?.Access, Is.EqualTo(expected.Result.Error?.Access), $"{engine}: access violation");
        if (expected.Result.IsOk)
        {
            foreach (var region in expected.Memory.Regions)
            {
                // A vectorized compare, then the first difference: NUnit's element-by-element equality takes
                // milliseconds on a 256 KiB stack, which made contract tests crawl.
                var theirs = actual.Memory[region.Index]!.Data;
                var same = theirs.AsSpan().CommonPrefixLength(region.Data);
                Assert.That(same == region.Data.Length && theirs.Length == region.Data.Length, Is.True,
                    $"{engine}: {region.Name} region differs after the run, first at offset {same}");
            }
        }
    }
}
