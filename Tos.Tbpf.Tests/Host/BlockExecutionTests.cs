using NUnit.Framework;
using Tos.Tbpf.Host;
using Tos.Tbpf.Host.Blocks;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Elf;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Host;

/// <summary>
/// <see cref="ContractHost.ExecuteBlock"/> returns exactly what invoking the block's transactions one after another in
/// block order returns, and leaves the same state (digest), for 1, 2 and 8 threads: over random blocks mixing token
/// transfers, counters, deposits and failing transactions; on both parallel executors; with the serial fallback off (every
/// conflict re-executed) and forced (after ten executions); and over blocks where every transaction hits one counter.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class BlockExecutionTests
{
    private static readonly Hash32 Gold = Hash32.Of("gold"u8), Admin = Hash32.Of("admin"u8);
    private static readonly Hash32[] Users = Enumerable.Range(0, 6).Select(i => Hash32.Of([(byte)'u', (byte)i])).ToArray();
    private static readonly BlockContext Block = new(42, Hash32.Of("block 42"u8));

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var engine in ContractHostTests.EngineKinds)
        foreach (var executor in Executors)
        foreach (var seed in new[] { 1, 2, 3, 4 })
        foreach (var fallback in new[] { "default", "off", "forced" })
        {
            yield return new TestCaseData(engine, executor, seed, fallback)
                .SetArgDisplayNames(engine.ToString(), executor, $"seed {seed}", $"fallback {fallback}");
        }
    }

    /// <summary>The two parallel executors: <see cref="OrderedCommitBlock"/> (the default) and <see cref="BlockStm"/>.</summary>
    private static readonly string[] Executors = ["ordered-commit", "block-stm"];

    [TestCaseSource(nameof(Cases))]
    public void A_random_block_gives_the_serial_results_and_state_for_every_thread_count(EngineKind engine, string executor, int seed, string fallback)
    {
        var (initial, contracts) = Genesis(engine);
        var block = RandomBlock(new Random(seed), contracts, 120);
        var (expected, expectedDigest) = Serially(initial, engine, block);

        foreach (var threads in new[] { 1, 2, 8 })
        {
            var state = initial.Clone();
            var host = new ContractHost(state, engine) { BlockOptions = Options(fallback, executor) };
            var results = host.ExecuteBlock(Block, block, threads);
            Assert.That(results.Select(r => r.Describe()), Is.EqualTo(expected), $"{threads} thread(s): results");
            Assert.That(state.Digest(), Is.EqualTo(expectedDigest), $"{threads} thread(s): state digest");
            if (threads > 1)
            {
                Assert.That(host.LastBlock!.FellBackToSerial, fallback switch { "off" => Is.False, "forced" => Is.True, _ => Is.Not.Null });
            }
        }
    }

    [TestCaseSource(nameof(Executors))]
    public void A_random_block_over_the_rocksdb_store_gives_the_serial_results_and_state(string executor)
    {
        // The node's store: committed state read by several workers at once, the block written as one batch.
        var (initial, contracts) = Genesis(EngineKind.Interpreter);
        var block = RandomBlock(new Random(5), contracts, 120);
        var (expected, expectedDigest) = Serially(initial, EngineKind.Interpreter, block);
        foreach (var threads in new[] { 2, 8 })
        {
            using var folder = new TempFolder();
            using var state = new RocksDbContractState(folder.Path);
            state.Commit([.. initial.Scan([]).Select(e => new KeyValuePair<byte[], byte[]?>(e.Key, e.Value))]);
            Assert.That(state.Digest(), Is.EqualTo(initial.Digest()), "the store starts from the same state");
            var host = new ContractHost(state, EngineKind.Interpreter) { BlockOptions = Options("default", executor) };
            Assert.That(host.ExecuteBlock(Block, block, threads).Select(r => r.Describe()), Is.EqualTo(expected), $"{threads} threads: results");
            Assert.That(state.Digest(), Is.EqualTo(expectedDigest), $"{threads} threads: state digest");
        }
    }

    [TestCaseSource(nameof(HotCases))]
    public void A_block_where_every_transaction_hits_one_counter_counts_in_block_order(EngineKind engine, string executor, string fallback)
    {
        var (initial, contracts) = Genesis(engine);
        var block = Enumerable.Range(0, 150)
            .Select(i => Transaction(Users[i % Users.Length], new InvokeContractPayload(contracts.Counter, [1], [], 100_000), i)).ToList();
        var (expected, expectedDigest) = Serially(initial, engine, block);
        Assert.That(expected[149], Does.Contain(Hex("count = 150")), "the reference counts to 150");

        foreach (var threads in new[] { 2, 8 })
        {
            var state = initial.Clone();
            var host = new ContractHost(state, engine) { BlockOptions = Options(fallback, executor) };
            Assert.That(host.ExecuteBlock(Block, block, threads).Select(r => r.Describe()), Is.EqualTo(expected));
            Assert.That(state.Digest(), Is.EqualTo(expectedDigest));
            if (fallback == "off")
            {
                Assert.That(host.LastBlock!.FellBackToSerial, Is.False);
            }
        }
    }

    public static IEnumerable<TestCaseData> HotCases() =>
        from engine in ContractHostTests.EngineKinds
        from executor in Executors
        from fallback in new[] { "default", "off" }
        select new TestCaseData(engine, executor, fallback).SetArgDisplayNames(engine.ToString(), executor, $"fallback {fallback}");

    [TestCaseSource(nameof(Executors))]
    public void Transactions_that_only_read_never_abort(string executor)
    {
        var (initial, contracts) = Genesis(EngineKind.Interpreter);
        var reads = Enumerable.Range(0, 200)
            .Select(i => Transaction(Users[i % 6], new InvokeContractPayload(contracts.Token, Token.Balance(Users[i % 6]), [], 100_000), i))
            .ToList();
        var host = new ContractHost(initial.Clone(), EngineKind.Interpreter) { BlockOptions = Options("default", executor) with { MinAborts = 1 } };
        host.ExecuteBlock(Block, reads, 2);
        Assert.That((host.LastBlock!.Executions, host.LastBlock.Aborts, host.LastBlock.FellBackToSerial), Is.EqualTo((200, 0, false)));
    }

    [Test]
    public void After_a_fallback_the_next_blocks_run_serially_for_a_while_with_the_same_results()
    {
        var (initial, contracts) = Genesis(EngineKind.Interpreter);
        var block = Enumerable.Range(0, 20)
            .Select(i => Transaction(Users[i % Users.Length], new InvokeContractPayload(contracts.Counter, [1], [], 100_000), i)).ToList();
        var reference = new ContractHost(initial.Clone(), EngineKind.Interpreter);
        var state = initial.Clone();
        // Every parallel block falls back after its first execution: the back-off's path, whatever the timing.
        var host = new ContractHost(state, EngineKind.Interpreter) { BlockOptions = new ParallelBlockOptions(FallBackAfter: 1) };
        var modes = "";
        for (var b = 0; b < 12; b++)
        {
            var expected = reference.ExecuteBlock(Block, block, 1).Select(r => r.Describe()).ToList();
            Assert.That(host.ExecuteBlock(Block, block, 2).Select(r => r.Describe()), Is.EqualTo(expected), $"block {b}");
            modes += host.LastBlock!.Parallel ? (host.LastBlock.FellBackToSerial ? "F" : "P") : "S";
        }

        // A fallback, 2 serial blocks, a fallback, 4 serial, a fallback, then 8 serial.
        Assert.That(modes, Is.EqualTo("FSSFSSSSFSSS"));
        Assert.That(state.Digest(), Is.EqualTo(reference.StateDigest()));
    }

    [Test]
    public void The_back_off_doubles_up_to_64_blocks_and_resets_after_a_clean_parallel_block()
    {
        var history = new ContentionHistory();
        int SerialRun()
        {
            var serial = 0;
            while (!history.NextBlockParallel())
            {
                serial++;
            }

            return serial;
        }

        Assert.That(SerialRun(), Is.Zero, "a new host tries parallel");
        var runs = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            history.Record(fellBackToSerial: true);
            runs.Add(SerialRun());
        }

        Assert.That(runs, Is.EqualTo(new[] { 2, 4, 8, 16, 32, 64, 64, 64 }));
        history.Record(fellBackToSerial: false);
        Assert.That(SerialRun(), Is.Zero);
        history.Record(fellBackToSerial: true);
        Assert.That(SerialRun(), Is.EqualTo(2), "a clean block starts the doubling again");
    }

    public static IEnumerable<TestCaseData> FailureCases() =>
        from executor in Executors
        from threads in new[] { 1, 2, 8 }
        select new TestCaseData(executor, threads).SetArgDisplayNames(executor, $"{threads} thread(s)");

    [TestCaseSource(nameof(FailureCases))]
    public void An_engine_that_throws_fails_the_block_commits_nothing_and_leaves_the_host_usable(string executor, int threads)
    {
        var (initial, contracts) = Genesis(EngineKind.Interpreter);
        var block = Enumerable.Range(0, 60)
            .Select(i => Transaction(Users[i % Users.Length], Call(contracts.Token, Token.Transfer(Users[(i + 1) % Users.Length], 1)), i))
            .ToList();
        var before = initial.Digest();
        // A host bug, not a contract's failure: the runner does not turn it into a result, so the block must stop with it
        // (on whichever thread it happened), commit nothing and not hang.
        var engine = new FailingEngine(Engines.Get(EngineKind.Interpreter), failAfter: 25);
        var host = new ContractHost(initial, engine) { BlockOptions = Options("off", executor) };
        Assert.That(() => host.ExecuteBlock(Block, block, threads), Throws.InvalidOperationException.With.Message.Contains("engine bug"));
        Assert.That(initial.Digest(), Is.EqualTo(before), "nothing of the block was committed");

        engine.Healthy = true;
        var (expected, expectedDigest) = Serially(initial, EngineKind.Interpreter, block);
        Assert.That(host.ExecuteBlock(Block, block, threads).Select(r => r.Describe()), Is.EqualTo(expected));
        Assert.That(initial.Digest(), Is.EqualTo(expectedDigest));
    }

    /// <summary>An engine that throws from its <paramref name="failAfter"/>th run on, until made healthy.</summary>
    private sealed class FailingEngine(IEngine inner, int failAfter) : IEngine
    {
        private int _runs;

        public volatile bool Healthy;

        public string Name => inner.Name;

        public Tos.Tbpf.Execution.ExecutionResult Run(Tos.Tbpf.Programs.VerifiedExecutable program, Tos.Tbpf.Memory.MemoryMap memory,
            ulong budget, Tos.Tbpf.Syscalls.SyscallContext? syscallContext = null) => Run(program, memory, budget, syscallContext, []);

        public Tos.Tbpf.Execution.ExecutionResult Run(Tos.Tbpf.Programs.VerifiedExecutable program, Tos.Tbpf.Memory.MemoryMap memory,
            ulong budget, Tos.Tbpf.Syscalls.SyscallContext? syscallContext, Span<ulong> finalRegisters) =>
            !Healthy && Interlocked.Increment(ref _runs) >= failAfter
                ? throw new InvalidOperationException("engine bug")
                : inner.Run(program, memory, budget, syscallContext, finalRegisters);

        public void Prepare(Tos.Tbpf.Programs.VerifiedExecutable program) => inner.Prepare(program);
    }

    [Test]
    public void An_empty_block_changes_nothing()
    {
        var (initial, _) = Genesis(EngineKind.Interpreter);
        var before = initial.Digest();
        var host = new ContractHost(initial, EngineKind.Interpreter);
        Assert.That(host.ExecuteBlock(Block, [], 4), Is.Empty);
        Assert.That(initial.Digest(), Is.EqualTo(before));
    }

    private static ParallelBlockOptions Options(string fallback, string executor) => (fallback switch
    {
        "off" => new ParallelBlockOptions(SerialFallback: false),
        "forced" => new ParallelBlockOptions(FallBackAfter: 10),
        _ => ParallelBlockOptions.Default,
    }) with { OrderedCommit = executor == "ordered-commit" };

    private sealed record Deployed(Hash32 Token, Hash32 Counter, Hash32 OtherCounter);

    /// <summary>A state with a token (backed by gold), two counters, and funded users.</summary>
    private static (InMemoryContractState State, Deployed Contracts) Genesis(EngineKind engine)
    {
        var state = new InMemoryContractState();
        var host = new ContractHost(state, engine);
        var token = host.Deploy(Contracts.Bytes("v3-O2", "token"));
        var counter = host.Deploy(Contracts.Bytes("v3-O2", "counter"));
        var other = host.Deploy(Contracts.Bytes("v4-O3", "counter"));
        Assert.That(host.Invoke(token, Token.Init(Gold), chain: Token.From(Admin)).Committed, Is.True);
        foreach (var user in Users)
        {
            Assert.That(host.Invoke(token, Token.Mint(user, 500), chain: Token.From(Admin)).Committed, Is.True);
            host.Credit(user, Gold, 300);
        }

        return (state, new Deployed(token, counter, other));
    }

    /// <summary>What the block must give: each transaction invoked alone, in order, over its own copy of the state.</summary>
    private static (List<string> Results, Hash32 Digest) Serially(InMemoryContractState initial, EngineKind engine,
        IReadOnlyList<BlockTransaction> block)
    {
        var state = initial.Clone();
        var host = new ContractHost(state, engine);
        var results = block.Select(t => host.Invoke(t.Payload, new ChainContext(t.TxHash, t.Sender, Block.Hash, Block.Height)).Describe())
            .ToList();
        return (results, state.Digest());
    }

    private static List<BlockTransaction> RandomBlock(Random random, Deployed contracts, int size)
    {
        var block = new List<BlockTransaction>();
        for (var i = 0; i < size; i++)
        {
            var sender = Users[random.Next(Users.Length)];
            var to = Users[random.Next(Users.Length)];
            var payload = random.Next(12) switch
            {
                0 or 1 or 2 => Call(contracts.Token, Token.Transfer(to, (ulong)random.Next(1, 400))),
                3 => Call(contracts.Counter, [(byte)random.Next(1, 9)]),
                4 => Call(contracts.OtherCounter, []),
                5 => Call(contracts.Token, Token.Wrap(), new Deposit(Gold, (ulong)random.Next(1, 200))),
                6 => Call(contracts.Token, Token.Unwrap((ulong)random.Next(1, 100))),
                7 => Call(contracts.Token, Token.Balance(to)),
                8 => Call(Hash32.Of([(byte)random.Next()]), [1]),
                9 => Call(contracts.Counter, [1], budget: (ulong)random.Next(10, 400)),
                10 => Call(contracts.Token, [9]),
                _ => Call(contracts.Token, Token.Mint(to, 7)),
            };
            block.Add(Transaction(sender, payload, i));
        }

        return block;
    }

    private static InvokeContractPayload Call(Hash32 contract, byte[] input, Deposit? deposit = null, ulong budget = 200_000) =>
        new(contract, input, deposit is null ? [] : [deposit], budget);

    private static BlockTransaction Transaction(Hash32 sender, InvokeContractPayload payload, int index) =>
        new(sender, payload, Hash32.Of([.. sender.ToBytes(), (byte)index, (byte)(index >> 8)]));

    private static string Hex(string text) => Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(text));
}
