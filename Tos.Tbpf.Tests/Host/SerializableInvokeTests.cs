using System.Buffers.Binary;
using System.Collections.Concurrent;
using NUnit.Framework;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Elf;

namespace Tos.Tbpf.Tests.Host;

/// <summary>
/// Concurrent <see cref="ContractHost.Invoke(Hash32, ReadOnlySpan{byte}, IReadOnlyList{Deposit}?, ulong, ChainContext?)"/>
/// calls behave as if run one after another: every committed update survives and no balance is spent twice. Each test
/// checks every result and the final state, on every engine.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SerializableInvokeTests
{
    private static readonly Hash32 Gold = Hash32.Of("gold"u8), Alice = Hash32.Of("alice"u8);

    public static IEnumerable<EngineKind> EngineKinds => ContractHostTests.EngineKinds;

    [TestCaseSource(nameof(EngineKinds))]
    public void Four_hundred_concurrent_increments_all_count(EngineKind engine)
    {
        var host = new ContractHost(new InMemoryContractState(), engine);
        var counter = host.Deploy(Contracts.Bytes("v3-O2", "counter"));
        var logs = new ConcurrentBag<string>();
        var results = new ConcurrentBag<InvocationResult>();
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var result = host.Invoke(counter, [1]);
            results.Add(result);
            logs.Add(result.Logs.Single());
        });

        Assert.That(results.All(r => r.Committed && r.ExitCode == 0), Is.True);
        var count = host.Storage(counter).Single(e => e.Key.AsSpan().SequenceEqual("count"u8)).Value;
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(count), Is.EqualTo(400UL));
        // A serial order exists: each invocation saw a distinct count, and together they saw 1 to 400.
        Assert.That(logs.Order(), Is.EquivalentTo(Enumerable.Range(1, 400).Select(i => $"count = {i}")));
    }

    [TestCaseSource(nameof(EngineKinds))]
    public void A_deposit_is_spent_once_however_many_invocations_race_for_it(EngineKind engine)
    {
        var host = new ContractHost(new InMemoryContractState(), engine);
        var counter = host.Deploy(Contracts.Bytes("v3-O2", "counter"));
        host.Credit(Alice, Gold, 100);
        var chain = new ChainContext(Hash32.Of("tx"u8), Alice, Hash32.Zero, 1);
        var results = new ConcurrentBag<InvocationResult>();
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            results.Add(host.Invoke(counter, [1], [new Deposit(Gold, 100)], chain: chain));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.That(results.Count(r => r.Committed), Is.EqualTo(1));
        var refused = results.Where(r => !r.Committed).ToList();
        Assert.That(refused, Has.Count.EqualTo(7));
        Assert.That(refused.All(r => r.FailureKind == InvocationFailure.InsufficientDeposit && r.DepositsRefunded.Count == 1), Is.True);
        Assert.That(host.Balances(Alice).Single().Amount, Is.Zero);
        Assert.That(host.Balances(counter).Single().Amount, Is.EqualTo(100UL));
    }

    [TestCaseSource(nameof(EngineKinds))]
    public void Concurrent_transfers_conserve_the_supply(EngineKind engine)
    {
        // Four accounts pay each other at random from eight threads: every committed transfer must be applied exactly
        // once, so the final balances equal a replay of the committed transfers, and the total never changes.
        var host = new ContractHost(new InMemoryContractState(), engine);
        var token = host.Deploy(Contracts.Bytes("v3-O2", "token"));
        var admin = Hash32.Of("admin"u8);
        var accounts = Enumerable.Range(0, 4).Select(i => Hash32.Of([(byte)i])).ToArray();
        Assert.That(host.Invoke(token, Token.Init(Hash32.Zero), chain: Token.From(admin)).Committed, Is.True);
        foreach (var account in accounts)
        {
            Assert.That(host.Invoke(token, Token.Mint(account, 100), chain: Token.From(admin)).Committed, Is.True);
        }

        var committed = new ConcurrentBag<(int From, int To, ulong Amount)>();
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var random = new Random(i);
            int from = random.Next(4), to = random.Next(4);
            var amount = (ulong)random.Next(1, 60);
            var result = host.Invoke(token, Token.Transfer(accounts[to], amount), chain: Token.From(accounts[from]));
            Assert.That(result.ExitCode, Is.AnyOf(Token.Ok, Token.Insufficient));
            if (result.Committed)
            {
                committed.Add((from, to, amount));
            }
        });

        var balances = accounts.Select(a => Token.BalanceOf(host, token, a)).ToArray();
        Assert.That(balances.Sum(b => (long)b), Is.EqualTo(400));
        var replay = new long[4] { 100, 100, 100, 100 };
        foreach (var (from, to, amount) in committed)
        {
            replay[from] -= (long)amount;
            replay[to] += (long)amount;
        }

        Assert.That(balances.Select(b => (long)b), Is.EqualTo(replay), "every committed transfer applied exactly once");
    }
}
