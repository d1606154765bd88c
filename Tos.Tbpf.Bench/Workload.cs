using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Bench;

/// <summary>One of the canonical workloads of <c>../shared/bench</c>, with its published expectations.</summary>
public sealed record Workload(string Name, int MemorySize, ulong ExpectedR0, ulong Instructions)
{
    /// <summary>The four workloads and the r0 / executed-instruction counts their README gives.</summary>
    public static readonly Workload[] All =
    [
        new("alu64_loop", 0, 0xb92ade00b0b59065, 100_000_005),
        new("mem_sum", 64 * 1024, 0x257ed4000, 9_864_673),
        new("collatz", 0, 0x1124d08, 96_482_827),
        new("sieve_stack", 0, 0xecd10, 68_120_003),
    ];

    public static Workload Named(string name) => All.Single(w => w.Name == name);

    /// <summary>Assembles the workload under RFC 9669, as the bench README asks.</summary>
    public VerifiedExecutable Load() =>
        Vm.Load(Executable.FromAssembly(File.ReadAllText(Path.Combine(BenchFolder(), Name + ".asm")), Profile.Rfc9669));

    private static string BenchFolder()
    {
        var candidate = Path.Combine(Repository.Root, "..", "shared", "bench");
        return Directory.Exists(candidate)
            ? Path.GetFullPath(candidate)
            : throw new DirectoryNotFoundException("../shared/bench not found beside the repository");
    }
}
