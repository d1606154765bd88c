using BenchmarkDotNet.Attributes;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Bench;

/// <summary>JIT compilation time per workload (verified program in, mapped code out), hardening and metering on, with
/// bytes allocated per compilation.</summary>
[Config(typeof(CompileRateConfig))]
[MemoryDiagnoser]
public class CompileBenchmarks
{
    private VerifiedExecutable _program = null!;

    [ParamsSource(nameof(WorkloadNames))]
    public string Workload { get; set; } = "";

    public static IEnumerable<string> WorkloadNames => Bench.Workload.All.Select(w => w.Name).Append(LargeProgram.Name);

    [GlobalSetup]
    public void Setup() => _program = Workload == LargeProgram.Name ? LargeProgram.Load() : Bench.Workload.Named(Workload).Load();

    [Benchmark]
    public int Compile() => CompileMix.Compile(_program);
}

/// <summary>Compile throughput on large programs of each instruction mix and size (10 k, 100 k slots, 1 MiB), hardening
/// and metering on, with bytes allocated: the worst mix at 1 MiB bounds what a deploy can cost a node.</summary>
[Config(typeof(CompileRateConfig))]
[MemoryDiagnoser]
public class CompileMixBenchmarks
{
    private VerifiedExecutable _program = null!;

    [ParamsSource(nameof(MixNames))]
    public string Mix { get; set; } = "";

    [ParamsSource(nameof(SlotCounts))]
    public int Slots { get; set; }

    public static IEnumerable<string> MixNames => CompileMix.Names;

    public static IEnumerable<int> SlotCounts => CompileMix.Sizes;

    [GlobalSetup]
    public void Setup() => _program = CompileMix.Build(Mix, Slots);

    [Benchmark]
    public int Compile() => CompileMix.Compile(_program);
}

/// <summary>What a deploy costs by program size (1 k slots to 1 MiB of the mixed program): loading and verifying the
/// bytecode (decode, verifier, basic blocks), and compiling it with hardening and metering on.</summary>
[Config(typeof(CompileRateConfig))]
[MemoryDiagnoser]
public class ProgramSizeBenchmarks
{
    private byte[] _bytecode = [];
    private VerifiedExecutable _program = null!;

    [ParamsSource(nameof(SlotCounts))]
    public int Slots { get; set; }

    public static IEnumerable<int> SlotCounts => CompileMix.Sizes;

    [GlobalSetup]
    public void Setup()
    {
        _bytecode = CompileMix.Bytecode("mixed", Slots);
        _program = CompileMix.Load(_bytecode);
    }

    [Benchmark]
    public int LoadAndVerify() => CompileMix.Load(_bytecode).Executable.Instructions.Length;

    [Benchmark]
    public int Compile() => CompileMix.Compile(_program);
}
