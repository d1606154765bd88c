using System.Buffers.Binary;
using System.Security.Cryptography;
using NUnit.Framework;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Elf;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Host;

/// <summary>Deploy once, invoke many times; state committed only on success; persistence; concurrency; both engines.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ContractHostTests
{
    private static readonly Hash32 Gold = Hash32.Of("gold"u8), Alice = Hash32.Of("alice"u8);

    public static IEnumerable<EngineKind> EngineKinds => Engines.Jit is null ? [EngineKind.Interpreter] : [EngineKind.Interpreter, EngineKind.Jit];

    private static byte[] Contract(string name) => Contracts.Bytes("v3-O2", name);

    private static ulong Count(ContractHost host, Hash32 counter) =>
        BinaryPrimitives.ReadUInt64LittleEndian(host.Storage(counter).Single(e => e.Key.SequenceEqual("count"u8.ToArray())).Value);

    [TestCaseSource(nameof(EngineKinds))]
    public void Deploy_returns_the_sha256_of_the_object_and_invoke_commits_on_success(EngineKind engine)
    {
        var host = new ContractHost(new InMemoryContractState(), engine);
        var counter = host.Deploy(Contract("counter"));
        Assert.That(counter.ToBytes(), Is.EqualTo(SHA256.HashData(Contract("counter"))));

        var first = host.Invoke(counter, [5], budget: 100_000);
        var second = host.Invoke(counter, [2], budget: 100_000);

        Assert.That((first.ExitCode, first.Committed, second.Committed), Is.EqualTo(((ulong?)0, true, true)));
        Assert.That(Count(host, counter), Is.EqualTo(7UL));
        Assert.That(second.Logs, Is.EqualTo(new[] { "count = 7" }));
        Assert.That(second.Refund, Is.EqualTo(100_000 - second.ComputeUnits));
    }

    [TestCaseSource(nameof(EngineKinds))]
    public void A_failed_invocation_changes_nothing_and_refunds_deposits(EngineKind engine)
    {
        var state = new InMemoryContractState();
        var host = new ContractHost(state, engine);
        var counter = host.Deploy(Contract("counter"));
        host.Credit(Alice, Gold, 100);
        var chain = new ChainContext(Hash32.Of("tx"u8), Alice, Hash32.Zero, 1);
        var full = host.Invoke(counter, [1], [new Deposit(Gold, 40)], budget: 100_000, chain: chain);
        Assert.That(full.Committed, Is.True);
        var before = state.Scan([]).Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).ToList();

        // One unit short of what a successful run takes: the store happens, the final exit does not.
        var failed = host.Invoke(counter, [1], [new Deposit(Gold, 40)], budget: full.ComputeUnits - 1, chain: chain);

        Assert.That(failed.Error?.Kind, Is.EqualTo(Execution.VmErrorKind.ComputeBudgetExceeded));
        Assert.That((failed.Committed, failed.Refund), Is.EqualTo((false, 0UL)));
        Assert.That(state.Scan([]).Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)), Is.EqualTo(before),
            "byte for byte unchanged");
        Assert.That(host.Balances(Alice).Single().Amount, Is.EqualTo(60UL), "only the first deposit left alice");
        Assert.That(host.Balances(counter).Single().Amount, Is.EqualTo(40UL));
    }

    [Test]
    public void A_non_zero_exit_code_rolls_back()
    {
        var host = new ContractHost(new InMemoryContractState());
        var token = host.Deploy(Contract("token"));
        var admin = Enumerable.Repeat((byte)1, 32).ToArray();
        Assert.That(host.Invoke(token, [0, .. admin]).Committed, Is.True);
        var again = host.Invoke(token, [0, .. admin]);
        Assert.That((again.ExitCode, again.Committed), Is.EqualTo(((ulong?)2, false)));
    }

    [Test]
    public void A_deposit_the_sender_cannot_pay_does_not_start()
    {
        var host = new ContractHost(new InMemoryContractState());
        var counter = host.Deploy(Contract("counter"));
        var result = host.Invoke(counter, [], [new Deposit(Gold, 1)], chain: new ChainContext(Hash32.Zero, Alice, Hash32.Zero, 0));
        Assert.That(result.Failure, Does.Contain("cannot deposit"));
        Assert.That(result.Committed, Is.False);
        Assert.That(host.Storage(counter), Is.Empty);
    }

    [Test]
    public void Budgets_above_the_maximum_are_refused()
    {
        var host = new ContractHost(new InMemoryContractState());
        var counter = host.Deploy(Contract("counter"));
        Assert.Throws<ArgumentOutOfRangeException>(() => host.Invoke(counter, [], budget: ContractHost.MaxBudget + 1));
    }

    [Test]
    public void A_bad_contract_is_refused_at_deploy()
    {
        var host = new ContractHost(new InMemoryContractState());
        Assert.Throws<ElfException>(() => host.Deploy(File.ReadAllBytes(Path.Combine(Contracts.OutFolder, "fixtures", "writable_global.o"))));
    }

    [Test]
    public void State_survives_reopening_the_store()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        Hash32 counter;
        using (var state = new RocksDbContractState(folder))
        {
            var host = new ContractHost(state);
            counter = host.Deploy(Contract("counter"));
            Assert.That(host.Invoke(counter, [3]).Committed, Is.True);
        }

        using (var reopened = new RocksDbContractState(folder))
        {
            var host = new ContractHost(reopened);
            Assert.That(host.IsDeployed(counter), Is.True);
            Assert.That(host.Invoke(counter, [4]).Logs, Is.EqualTo(new[] { "count = 7" }), "the code and the count came back from disk");
            Assert.That(Count(host, counter), Is.EqualTo(7UL));
        }
    }

    [Test]
    public void Many_threads_invoke_one_contract_with_separate_overlays()
    {
        var host = new ContractHost(new InMemoryContractState());
        var sha = host.Deploy(Contract("sha256"));
        var failures = 0;
        Parallel.For(0, 32, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var input = Enumerable.Range(0, 10 + i).Select(b => (byte)(b ^ i)).ToArray();
            var result = host.Invoke(sha, input);
            if (!result.Committed || result.Logs.Count != 1)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.That(failures, Is.Zero);
    }
}
