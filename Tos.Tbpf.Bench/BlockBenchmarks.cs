using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Tos.Tbpf.Host;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Bench;

/// <summary>
/// <c>ContractHost.ExecuteBlock</c> on 1 and 2 threads over two blocks of 1 000 transactions: token transfers between
/// disjoint account pairs (no conflicts: parallel execution should pay), and increments of one counter (every
/// transaction conflicts with the one before). Each iteration starts from the same state; each run's results are checked.
/// </summary>
[Config(typeof(BlockConfig))]
public class BlockBenchmarks
{
    public const int Transactions = 1000;
    private static readonly BlockContext Block = new(1, Hash32.Of("block"u8));

    /// <summary>How the last block went: executions (with re-executions) and aborts.</summary>
    public string Statistics => _host.LastBlock is { } last ? $"{last.Executions} executions, {last.Aborts} aborts, fallback {last.FellBackToSerial}" : "";
    private InMemoryContractState _genesis = null!;
    private ContractHost _host = null!;
    private List<BlockTransaction> _block = null!;
    private EngineKind _engine;

    [Params("disjoint-transfers", "one-counter")]
    public string Workload { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _engine = Engines.Jit is null ? EngineKind.Interpreter : EngineKind.Jit;
        _genesis = new InMemoryContractState();
        var host = new ContractHost(_genesis, _engine);
        _block = Workload == "one-counter" ? CounterBlock(host) : TransferBlock(host);
    }

    /// <summary>A host over a fresh copy of the genesis state, its contract already compiled (as in a running node).</summary>
    [IterationSetup]
    public void Fresh()
    {
        _host = new ContractHost(_genesis.Clone(), _engine);
        _host.Preload(_block[0].Payload.Contract);
    }

    [Benchmark]
    public int ExecuteBlock()
    {
        var results = _host.ExecuteBlock(Block, _block, Threads);
        var committed = results.Count(r => r.Committed);
        if (committed != Transactions)
        {
            throw new InvalidOperationException($"{committed} of {Transactions} transactions committed");
        }

        return committed;
    }

    private static List<BlockTransaction> TransferBlock(ContractHost host)
    {
        var admin = Hash32.Of("admin"u8);
        var token = host.Deploy(Repository.Contract("token"));
        host.Invoke(token, [0, .. new byte[32]], chain: new ChainContext(Hash32.Zero, admin, Hash32.Zero, 0));
        var block = new List<BlockTransaction>();
        for (var i = 0; i < Transactions; i++)
        {
            var from = Account("from", i);
            var to = Account("to", i);
            var mint = host.Invoke(token, [1, .. from.ToBytes(), .. BitConverter.GetBytes(100UL)],
                chain: new ChainContext(Hash32.Zero, admin, Hash32.Zero, 0));
            if (!mint.Committed)
            {
                throw new InvalidOperationException("genesis mint failed: " + mint.Describe());
            }

            block.Add(new BlockTransaction(from, new InvokeContractPayload(token, [2, .. to.ToBytes(), .. BitConverter.GetBytes(1UL)], [],
                ContractHost.DefaultBudget), Account("tx", i)));
        }

        return block;
    }

    private static List<BlockTransaction> CounterBlock(ContractHost host)
    {
        var counter = host.Deploy(Repository.Contract("counter"));
        return Enumerable.Range(0, Transactions)
            .Select(i => new BlockTransaction(Account("sender", i), new InvokeContractPayload(counter, [1], [], ContractHost.DefaultBudget),
                Account("tx", i)))
            .ToList();
    }

    private static Hash32 Account(string kind, int i) => Hash32.Of([.. System.Text.Encoding.ASCII.GetBytes(kind), (byte)i, (byte)(i >> 8)]);
}

/// <summary>Blocks take milliseconds: a handful of iterations, each on fresh state.</summary>
public sealed class BlockConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public BlockConfig() =>
        AddJob(BenchmarkDotNet.Jobs.Job.Default.WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1)
            .WithInvocationCount(1).WithUnrollFactor(1));
}
