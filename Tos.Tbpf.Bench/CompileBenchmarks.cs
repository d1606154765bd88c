using BenchmarkDotNet.Attributes;
using Tos.Tbpf.Jit;
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
    public int Compile()
    {
        using var compiled = JitProgram.Compile(_program);
        return compiled.CodeSize;
    }
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
    public int Compile()
    {
        using var compiled = JitProgram.Compile(_program);
        return compiled.CodeSize;
    }
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
        _program = Vm.Load(Executable.FromBytecode(_bytecode, Profile.Tbpf));
    }

    [Benchmark]
    public int LoadAndVerify() => Vm.Load(Executable.FromBytecode(_bytecode, Profile.Tbpf)).Executable.Instructions.Length;

    [Benchmark]
    public int Compile()
    {
        using var compiled = JitProgram.Compile(_program);
        return compiled.CodeSize;
    }
}
