using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Tos.Tbpf.Host;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Bench;

/// <summary>
/// The cost of the contract host around a run: <see cref="Invoke"/> is a whole <c>ContractHost.Invoke</c> of hello_world
/// (pooled memory, overlay, validation, result); <see cref="BareRun"/> is the engine alone on a memory map prepared once.
/// Their difference is the host's own overhead; the memory diagnoser shows what each allocates.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(HostConfig))]
public class HostBenchmarks
{
    private ContractHost _host = null!;
    private Hash32 _hello;
    private IEngine _engine = null!;
    private VerifiedExecutable _program = null!;
    private InvocationMemory _memory = null!;
    private Invocation _invocation = null!;
    private MemoryMap _map = null!;

    [Params("interpreter", "jit")]
    public string Engine { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var kind = Engine == "jit" ? EngineKind.Jit : EngineKind.Interpreter;
        _host = new ContractHost(new InMemoryContractState(), kind);
        var elf = Repository.Contract("hello_world");
        _hello = _host.Deploy(elf);
        _engine = Engines.Get(kind);
        _program = Vm.Load(Elf.ElfLoader.Load(elf, Profile.Tbpf, TosSyscalls.Registry()));
        _engine.Prepare(_program);
        _memory = InvocationMemoryPool.Rent();
        _invocation = new Invocation(_hello, new StateOverlay(new InMemoryContractState()), ChainContext.Offline);
        _map = _memory.Prepare(_program.Executable, [], _invocation);
        var check = _host.Invoke(_hello, []);
        if (!check.Committed || check.Logs.Count != 2 || BareRun() != 0)
        {
            throw new InvalidOperationException($"hello_world did not run as expected: {check.Describe()}");
        }
    }

    [Benchmark]
    public ulong? Invoke() => _host.Invoke(_hello, []).ExitCode;

    [Benchmark(Baseline = true)]
    public ulong BareRun()
    {
        _invocation.Logs.Clear();
        return _engine.Run(_program, _map, ContractHost.DefaultBudget, _memory.Syscalls).R0;
    }
}

/// <summary>Enough iterations for sub-microsecond differences.</summary>
public sealed class HostConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public HostConfig() =>
        AddJob(BenchmarkDotNet.Jobs.Job.Default.WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1));
}
