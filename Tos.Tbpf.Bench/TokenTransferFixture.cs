using Tos.Tbpf.Host;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Bench;

/// <summary>
/// A token transfer through the contract host: one <c>ContractHost.Invoke</c> of the token contract moving 1 unit from
/// a funded sender to a receiver (state read and written, an event and a log line, validation and commit), checked
/// to commit with exit 0 on every run.
/// </summary>
public sealed class TokenTransferFixture
{
    /// <summary>The workload's name in reports.</summary>
    public const string Name = "token_transfer";

    private static readonly Hash32 Admin = Hash32.Of("admin"u8), Sender = Hash32.Of("sender"u8), Receiver = Hash32.Of("receiver"u8);
    private readonly ContractHost _host;
    private readonly Hash32 _token;
    private readonly byte[] _transfer = [2, .. Receiver.ToBytes(), .. BitConverter.GetBytes(1UL)];
    private readonly ChainContext _fromSender = new(Hash32.Zero, Sender, Hash32.Zero, 0);

    public TokenTransferFixture(EngineKind engine)
    {
        _host = new ContractHost(new InMemoryContractState(), engine);
        _token = _host.Deploy(Repository.Contract("token"));
        var fromAdmin = new ChainContext(Hash32.Zero, Admin, Hash32.Zero, 0);
        Require(_host.Invoke(_token, [0, .. new byte[32]], chain: fromAdmin), "init");
        Require(_host.Invoke(_token, [1, .. Sender.ToBytes(), .. BitConverter.GetBytes(ulong.MaxValue / 2)], chain: fromAdmin), "mint");
        // The first transfer creates the receiver's balance; every later one updates it, at one steady cost.
        Run();
        ComputeUnits = Run();
    }

    /// <summary>The compute units one transfer consumes (once the receiver has a balance).</summary>
    public ulong ComputeUnits { get; private set; }

    /// <summary>One transfer; returns its compute units, which must not drift from the steady cost.</summary>
    public ulong Run()
    {
        var units = Require(_host.Invoke(_token, _transfer, chain: _fromSender), "transfer").ComputeUnits;
        return ComputeUnits == 0 || units == ComputeUnits
            ? units
            : throw new InvalidOperationException($"a transfer took {units} compute units, the steady cost is {ComputeUnits}");
    }

    private static InvocationResult Require(InvocationResult result, string what) =>
        result is { Committed: true, ExitCode: 0 } ? result : throw new InvalidOperationException($"token {what} failed: {result.Describe()}");
}

/// <summary>A token transfer through <c>ContractHost.Invoke</c> on each engine.</summary>
[BenchmarkDotNet.Attributes.Config(typeof(HostConfig))]
[BenchmarkDotNet.Attributes.MemoryDiagnoser]
public class TokenTransferBenchmarks
{
    private TokenTransferFixture _fixture = null!;

    [BenchmarkDotNet.Attributes.Params("interpreter", "jit")]
    public string Engine { get; set; } = "";

    [BenchmarkDotNet.Attributes.GlobalSetup]
    public void Setup() => _fixture = new TokenTransferFixture(Engine == "jit" ? EngineKind.Jit : EngineKind.Interpreter);

    [BenchmarkDotNet.Attributes.Benchmark]
    public ulong Transfer() => _fixture.Run();
}
