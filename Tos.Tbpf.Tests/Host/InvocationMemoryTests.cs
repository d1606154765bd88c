using NUnit.Framework;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.Memory;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Elf;

namespace Tos.Tbpf.Tests.Host;

/// <summary>
/// Invocation memory is pooled, yet every invocation starts from a zeroed stack and heap: nothing one invocation
/// wrote (committed, rolled back or faulted) is visible to the next, on every engine. And a steady stream of
/// invocations allocates little: the pool, not the collector, provides the memory.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class InvocationMemoryTests
{
    private const byte Fill = 0, Count = 1, FillThenFault = 2;

    public static IEnumerable<TestCaseData> Cases() =>
        from engine in ContractHostTests.EngineKinds
        from filler in new[] { "commits", "rolls back", "faults" }
        select new TestCaseData(engine, filler).SetArgDisplayNames(engine.ToString(), filler);

    [TestCaseSource(nameof(Cases))]
    public void A_secret_written_to_every_stack_frame_and_the_whole_heap_is_gone_for_the_next_invocation(EngineKind engine, string filler)
    {
        var host = new ContractHost(new InMemoryContractState(), engine);
        var probe = host.Deploy(File.ReadAllBytes(Path.Combine(Contracts.OutFolder, "fixtures", "memory_secret.o")));
        Assert.That(host.Invoke(probe, [Count], budget: ContractHost.MaxBudget).ExitCode, Is.Zero, "fresh memory reads as zeros");

        for (var round = 0; round < 3; round++)
        {
            var filled = filler switch
            {
                "commits" => host.Invoke(probe, [Fill, 0], budget: ContractHost.MaxBudget),
                "rolls back" => host.Invoke(probe, [Fill, 7], budget: ContractHost.MaxBudget),
                _ => host.Invoke(probe, [FillThenFault], budget: ContractHost.MaxBudget),
            };
            Assert.That(filled.ExitCode ?? 0, Is.EqualTo(filler == "rolls back" ? 7UL : 0UL));
            Assert.That(filled.Error?.Kind, Is.EqualTo(filler == "faults" ? VmErrorKind.AccessViolation : (VmErrorKind?)null));

            // Same thread, so the same pooled memory: the probe writes nothing and counts non-zero words.
            var read = host.Invoke(probe, [Count], budget: ContractHost.MaxBudget);
            Assert.That((read.ExitCode, read.Error), Is.EqualTo(((ulong?)0, (VmError?)null)), $"round {round}: the secret leaked");
        }
    }

    [Test]
    public void The_pool_hands_back_the_same_memory_on_a_thread_and_refuses_a_double_return()
    {
        var first = InvocationMemoryPool.Rent();
        InvocationMemoryPool.Return(first);
        var second = InvocationMemoryPool.Rent();
        Assert.That(second, Is.SameAs(first));
        InvocationMemoryPool.Return(second);
        Assert.Throws<InvalidOperationException>(() => InvocationMemoryPool.Return(second));
    }

    [TestCaseSource(typeof(ContractHostTests), nameof(ContractHostTests.EngineKinds))]
    public void A_steady_stream_of_invocations_allocates_under_a_kilobyte_each(EngineKind engine)
    {
        var host = new ContractHost(new InMemoryContractState(), engine);
        var hello = host.Deploy(Contracts.Bytes("v3-O2", "hello_world"));
        for (var i = 0; i < 200; i++)
        {
            host.Invoke(hello, []);
        }

        const int Invocations = 2000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Invocations; i++)
        {
            host.Invoke(hello, []);
        }

        var perInvoke = (GC.GetAllocatedBytesForCurrentThread() - before) / Invocations;
        TestContext.Out.WriteLine($"{engine}: {perInvoke} bytes per Invoke of hello_world");
        Assert.That(perInvoke, Is.LessThan(1024));
    }
}
