namespace Tos.Tbpf.Bench;

/// <summary>Where the repository is, from wherever BenchmarkDotNet runs the benchmarks.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    /// <summary>A committed contract object: native-contracts/out/&lt;variant&gt;/&lt;name&gt;.o.</summary>
    public static byte[] Contract(string name, string variant = "v3-O2") =>
        File.ReadAllBytes(Path.Combine(Root, "native-contracts", "out", variant, name + ".o"));

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tos.Tbpf.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository (Tos.Tbpf.slnx) is not above " + AppContext.BaseDirectory);
    }
}
