using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Tos.Tbpf.Host;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Bench;

/// <summary>
/// <c>ContractHost.ExecuteBlock</c> on 1 and 2 threads over two blocks of 1 000 transactions: token transfers between
/// disjoint account pairs (no conflicts: parallel execution should pay), and increments of one counter (every
/// transaction conflicts with the one before). One host runs the same block again and again, as a node runs block after
/// block (the senders hold enough for millions of blocks); every run's results are checked.
/// <para>A third workload measures the machine rather than the executor: <c>independent-hosts</c> on N threads runs N
/// separate hosts, each over its own state, each executing its own block of transfers serially, all at once. Nothing
/// is shared but the process (its garbage collector) and the cores, so its speed-up over one thread is the most any
/// parallel executor could reach here, whatever its design.</para>
/// </summary>
[Config(typeof(BlockConfig))]
public class BlockBenchmarks
{
    public const int Transactions = 1000;
    private static readonly BlockContext Block = new(1, Hash32.Of("block"u8));
    private ContractHost _host = null!;
    private List<BlockTransaction> _block = null!;
    private (ContractHost Host, List<BlockTransaction> Block)[] _independent = [];

    [ParamsSource(nameof(Workloads))]
    public string Workload { get; set; } = "";

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<string> Workloads => ["disjoint-transfers", "one-counter", Independent];

    /// <summary>The workload that runs one separate host per thread (the machine's own parallel ceiling).</summary>
    public const string Independent = "independent-hosts";

    /// <summary>Transactions in one operation of a workload: each independent host runs a whole block.</summary>
    public static int TransactionsPer(string workload, int threads) => workload == Independent ? Transactions * threads : Transactions;

    public static IEnumerable<int> ThreadCounts => [1, 2];

    /// <summary>How the last block went: executions (with re-executions) and aborts.</summary>
    public string Statistics => _host.LastBlock is { } last ? $"{last.Executions} executions, {last.Aborts} aborts, fallback {last.FellBackToSerial}" : "";

    [GlobalSetup]
    public void Setup()
    {
        _host = new ContractHost(new InMemoryContractState(), Engines.Jit is null ? EngineKind.Interpreter : EngineKind.Jit);
        _block = Workload == "one-counter" ? CounterBlock(_host) : TransferBlock(_host);
        if (Workload == Independent)
        {
            _independent = [(_host, _block), .. Enumerable.Range(1, Threads - 1).Select(_ =>
            {
                var host = new ContractHost(new InMemoryContractState(), Engines.Jit is null ? EngineKind.Interpreter : EngineKind.Jit);
                return (host, TransferBlock(host));
            })];
        }
    }

    [Benchmark]
    public int ExecuteBlock()
    {
        if (Workload != Independent)
        {
            return Check(_host.ExecuteBlock(Block, _block, Threads));
        }

        if (_independent.Length == 1)
        {
            return Check(_host.ExecuteBlock(Block, _block, 1));
        }

        var committed = 0;
        Parallel.For(0, _independent.Length, new ParallelOptions { MaxDegreeOfParallelism = _independent.Length }, i =>
            Interlocked.Add(ref committed, Check(_independent[i].Host.ExecuteBlock(Block, _independent[i].Block, 1))));
        return committed;
    }

    private static int Check(IReadOnlyList<InvocationResult> results)
    {
        var committed = 0;
        foreach (var result in results)
        {
            committed += result.Committed ? 1 : 0;
        }

        return committed == Transactions ? committed : throw new InvalidOperationException($"{committed} of {Transactions} transactions committed");
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
            var mint = host.Invoke(token, [1, .. from.ToBytes(), .. BitConverter.GetBytes(1_000_000_000_000_000UL)],
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

/// <summary>Each operation is one block of a few milliseconds. The warm-up is long because .NET's tiered compiler
/// recompiles the host's hot methods in the background only after they have run a while.</summary>
public sealed class BlockConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public BlockConfig() =>
        AddJob(Job.Default.WithWarmupCount(40).WithIterationCount(30).WithLaunchCount(1).WithInvocationCount(16).WithUnrollFactor(1));
}
