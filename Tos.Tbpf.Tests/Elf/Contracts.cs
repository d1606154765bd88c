using Tos.Tbpf.Elf;
using Tos.Tbpf.Host;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Elf;

/// <summary>The committed contract objects: native-contracts/out/&lt;cpu&gt;-&lt;level&gt;/&lt;name&gt;.o.</summary>
public static class Contracts
{
    public static string OutFolder => Path.Combine(SharedData.RepositoryRoot, "native-contracts", "out");

    /// <summary>Every clang build variant: -mcpu=v1..v4 × -O0..-O3.</summary>
    public static IEnumerable<string> Variants =>
        from cpu in new[] { "v1", "v2", "v3", "v4" } from level in new[] { "O0", "O1", "O2", "O3" } select $"{cpu}-{level}";

    public static readonly string[] Names = ["counter", "dispatch", "hello_world", "sha256", "sort", "token"];

    public static byte[] Bytes(string variant, string name) => File.ReadAllBytes(Path.Combine(OutFolder, variant, name + ".o"));

    public static Executable Load(string variant, string name) =>
        ElfLoader.Load(Bytes(variant, name), Profile.Tbpf, TosSyscalls.Registry());
}
