using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Bench;

/// <summary>
/// One execution workload (a canonical workload of ../shared/bench or a <see cref="ContractWorkload"/>) ready to run on
/// one <see cref="EngineVariant"/>, checked once when made: a benchmark that computes the wrong thing measures nothing.
/// The check is r0, the exact compute units on metered variants (the bench README's counts; for contracts the
/// interpreter's, which the JIT must match), and for contracts the logged output. Both the BenchmarkDotNet classes and
/// the quick report run workloads through this one type.
/// <para>A JIT variant is compiled at <see cref="JitPlacements"/> code placements (see <see cref="EngineVariant.LayoutShifts"/>)
/// and <see cref="Run"/> takes them in turn, so a figure is an average over placements: where a loop's branches land
/// moved collatz by up to a third on one host, more than the costs the report compares.</para>
/// </summary>
public sealed class ExecutionFixture
{
    private readonly IEngine[] _engines;
    private int _next;
    private readonly VerifiedExecutable _program;
    private readonly byte[] _memory = [];
    private readonly MemoryMap? _contractMap;
    private readonly SyscallContext? _syscalls;
    private readonly Invocation? _invocation;

    public ExecutionFixture(string workload, string variant)
    {
        Workload = workload;
        Variant = variant;
        _engines = EngineVariant.IsJit(variant)
            ? EngineVariant.LayoutShifts.Select(shift => EngineVariant.Create(variant, shift)).ToArray()
            : [EngineVariant.Create(variant)];
        if (Bench.Workload.All.Any(w => w.Name == workload))
        {
            var canonical = Bench.Workload.Named(workload);
            _program = canonical.Load();
            _memory = new byte[canonical.MemorySize];
            Instructions = canonical.Instructions;
            ExpectedR0 = canonical.ExpectedR0;
        }
        else
        {
            var contract = ContractWorkload.Named(workload);
            _program = Vm.Load(Elf.ElfLoader.Load(Repository.Contract(contract.Contract), Profile.Tbpf, TosSyscalls.Registry()));
            _invocation = Invocation.Offline();
            // The memory stays rented for the process: a benchmark runs the contract on it again and again.
            var memory = InvocationMemoryPool.Rent();
            _contractMap = memory.Prepare(_program.Executable, contract.Input, _invocation);
            _syscalls = memory.Syscalls;
            Instructions = Engines.Interpreter.Run(_program, _contractMap, ulong.MaxValue, _syscalls).ComputeUnits;
            ExpectedR0 = 0;
        }

        foreach (var engine in _engines)
        {
            engine.Prepare(_program);
            Check(engine);
        }
    }

    /// <summary>The instructions one run of <paramref name="workload"/> executes: the bench README's count for a canonical
    /// workload, the interpreter's compute units (from a checked run) for a contract.</summary>
    public static ulong InstructionsOf(string workload) =>
        Bench.Workload.All.FirstOrDefault(w => w.Name == workload)?.Instructions
        ?? new ExecutionFixture(workload, EngineVariant.Interpreter).Instructions;

    /// <summary>Every workload name, canonical first.</summary>
    public static IEnumerable<string> WorkloadNames =>
        Bench.Workload.All.Select(w => w.Name).Concat(ContractWorkload.All.Select(c => c.Name));

    public string Workload { get; }

    public string Variant { get; }

    /// <summary>The eBPF instructions one run executes (for contracts: its compute units, which also count syscalls).</summary>
    public ulong Instructions { get; }

    public ulong ExpectedR0 { get; }

    /// <summary>Whether the variant counts compute units.</summary>
    public bool Metered => Variant is not (EngineVariant.JitUnmetered or EngineVariant.JitPlain);

    /// <summary>The code placements a JIT variant is timed at.</summary>
    public static int JitPlacements => EngineVariant.LayoutShifts.Length;

    /// <summary>The placements this fixture's runs go through in turn (1 for the interpreter).</summary>
    public int Placements => _engines.Length;

    /// <summary>One run, at the next placement; returns r0.</summary>
    public ulong Run()
    {
        var engine = _engines[_next];
        _next = (_next + 1) % _engines.Length;
        return RunOnce(engine).R0;
    }

    private ExecutionResult RunOnce(IEngine engine)
    {
        if (_contractMap is null)
        {
            // Canonical workloads get a fresh map over the same buffer, as the bench README's host does.
            return engine.Run(_program, MemoryMap.Standard(_program.Executable.ProgramRegion, _memory, _program.Executable.Profile),
                ulong.MaxValue);
        }

        _invocation!.Logs.Clear();
        return engine.Run(_program, _contractMap, ulong.MaxValue, _syscalls);
    }

    private void Check(IEngine engine)
    {
        var result = RunOnce(engine);
        var logOk = _invocation is null
            || (_invocation.Logs.Count == 1 && _invocation.Logs[0].AsSpan().SequenceEqual(ContractWorkload.Named(Workload).ExpectedLog));
        if (!result.IsOk || result.R0 != ExpectedR0 || (Metered && result.ComputeUnits != Instructions) || !logOk)
        {
            throw new InvalidOperationException($"{Workload} on {Variant}: got {result.Describe()}{(logOk ? "" : " and a wrong log")}, "
                + $"expected r0 0x{ExpectedR0:x} in {Instructions} compute units");
        }
    }
}
