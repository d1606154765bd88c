namespace Tos.Tbpf.Tests.Support;

/// <summary>Finds <c>../shared</c> beside the repository (as CI lays it out) and the test tables.</summary>
public static class SharedData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string SharedFolder => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    public static string ConformanceFolder => Path.Combine(SharedFolder, "bpf-conformance", "tests");

    public static string BenchFolder => Path.Combine(SharedFolder, "bench");

    public static string TablesFolder => Path.Combine(AppContext.BaseDirectory, "Tables");

    public static IEnumerable<DataFile> DataFiles(string folder) =>
        Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.data").OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => DataFile.Parse(Path.GetFileName(f), File.ReadAllText(f)))
            : throw new DirectoryNotFoundException($"test data folder '{folder}' is missing");

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tos.Tbpf.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("cannot find the repository root (Tos.Tbpf.slnx) above the test binaries");
    }
}
