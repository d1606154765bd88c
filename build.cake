// TBPF build script. `dotnet cake` builds and runs the main job (the sample report);
// `dotnet cake --target=Test` runs every test project and writes TRX results under artifacts/test-results.
var target = Argument("target", "Demo");
var configuration = Argument("configuration", "Release");
var solution = "./Tos.Tbpf.slnx";
var testResults = MakeAbsolute(Directory("./artifacts/test-results"));

Task("Build")
    .Does(() =>
{
    DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    // The benchmark report's tests compile the native workloads with gcc; the disassembler is checked against
    // llvm-objdump-19 and the line tables against llvm-dwarfdump-19. All are installed here so that no test is skipped.
    EnsureTool("gcc", "gcc");
    EnsureTool("llvm-objdump-19", "llvm-19", "install llvm 19 (its objdump checks our disassembler)");
    // tbpf new's project is built with clang-19 by its test.
    EnsureTool("clang-19", "clang-19", "install clang 19 with eBPF support");
    CleanDirectory(testResults);
    DotNetTest(solution, new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        // Normal verbosity prints each test as it finishes: progress in a long run.
        Loggers = { "trx", "console;verbosity=normal" },
        ResultsDirectory = testResults,
    });
});

Task("Pack")
    .Description("NuGet packages into artifacts/packages: the libraries the node links and the tbpf tool.")
    .Does(() =>
{
    var packages = MakeAbsolute(Directory("./artifacts/packages"));
    CleanDirectory(packages);
    DotNetPack(solution, new DotNetPackSettings { Configuration = configuration, OutputDirectory = packages });
    Information($"packages in {packages}; install the command with: dotnet tool install --global Tos.Tbpf.Cli --add-source {packages}");
});

Task("Conformance")
    .IsDependentOn("Build")
    .Description("The public bpf_conformance suite, in-process and through the plugin protocol.")
    .Does(() =>
{
    DotNetTest("./Tos.Tbpf.Tests/Tos.Tbpf.Tests.csproj", new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        Filter = "FullyQualifiedName~Conformance",
        Loggers = { "console;verbosity=minimal" },
    });
});

Task("Contracts")
    .Description("Builds native-contracts/src/*.c with clang-19 for -mcpu=v1..v4 and -O0..-O3 into native-contracts/out.")
    .Does(() =>
{
    EnsureClang();
    var root = MakeAbsolute(Directory("./native-contracts"));
    var cpus = new[] { "v1", "v2", "v3", "v4" };
    var levels = new[] { "O0", "O1", "O2", "O3" };
    foreach (var source in GetFiles(root + "/src/*.c").OrderBy(f => f.FullPath))
    {
        var name = source.GetFilenameWithoutExtension().ToString();
        foreach (var cpu in cpus)
        foreach (var level in levels)
        {
            var folder = root.Combine($"out/{cpu}-{level}");
            EnsureDirectoryExists(folder);
            // Relative paths keep the objects identical wherever the repository is cloned.
            var exit = StartProcess("clang-19", new ProcessSettings
            {
                WorkingDirectory = root,
                Arguments = $"-target bpf -mcpu={cpu} -{level} -fno-builtin -Iinclude -c src/{name}.c -o out/{cpu}-{level}/{name}.o",
            });
            if (exit != 0)
            {
                throw new Exception($"clang-19 failed on {name}.c (-mcpu={cpu} -{level})");
            }
        }
    }

    // Contracts with DWARF line tables (-g), at -O0 as a developer debugs: errors name their C file, line and function.
    // -fdebug-compilation-dir keeps the clone's path out of the object, so every clone builds the same bytes.
    EnsureDirectoryExists(root.Combine("out/debug"));
    foreach (var source in GetFiles(root + "/debug/*.c").OrderBy(f => f.FullPath))
    {
        var name = source.GetFilenameWithoutExtension().ToString();
        if (StartProcess("clang-19", new ProcessSettings
            {
                WorkingDirectory = root,
                Arguments = $"-target bpf -mcpu=v3 -O0 -g -fdebug-compilation-dir=. -fno-builtin -Iinclude -c debug/{name}.c -o out/debug/{name}.o",
            }) != 0)
        {
            throw new Exception($"clang-19 failed on debug/{name}.c");
        }
    }

    // Fixtures for the loader's negative tests: each must build, and each must be refused when loaded.
    EnsureDirectoryExists(root.Combine("out/fixtures"));
    foreach (var source in GetFiles(root + "/fixtures/*.c").OrderBy(f => f.FullPath))
    {
        var name = source.GetFilenameWithoutExtension().ToString();
        var extra = name == "function_sections" ? " -ffunction-sections" : "";
        if (StartProcess("clang-19", new ProcessSettings
            {
                WorkingDirectory = root,
                Arguments = $"-target bpf -mcpu=v3 -O2 -fno-builtin{extra} -Iinclude -c fixtures/{name}.c -o out/fixtures/{name}.o",
            }) != 0)
        {
            throw new Exception($"clang-19 failed on fixtures/{name}.c");
        }
    }

    Information("contracts built into native-contracts/out (v3-O2 is the set the main job runs)");
});

// clang-19 comes from Debian's packages; elsewhere the message says what to install.
void EnsureClang()
{
    EnsureTool("clang-19", "clang-19 llvm-19",
        "install clang 19 with eBPF support (the objects in native-contracts/out are committed, so only rebuilding needs it)");
    EnsureTool("llvm-objdump-19", "llvm-19", "install llvm 19 (its objdump checks our disassembler)");
}

// Installs the Debian packages that provide a missing command; elsewhere throws with what to install.
void EnsureTool(string command, string packages, string hint = null)
{
    if (StartProcess("sh", $"-c \"command -v {command} >/dev/null\"") == 0)
    {
        return;
    }

    if (StartProcess("sh", "-c \"command -v apt-get >/dev/null\"") != 0)
    {
        throw new Exception($"{command} is not installed: {hint ?? "install " + packages}");
    }

    Information($"installing {packages} with apt-get");
    var sudo = StartProcess("sh", "-c \"[ $(id -u) -eq 0 ]\"") == 0 ? "" : "sudo ";
    if (StartProcess("sh", $"-c \"{sudo}apt-get update -qq && {sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {packages}\"") != 0)
    {
        throw new Exception($"apt-get could not install {packages}");
    }
}

Task("Demo")
    .IsDependentOn("Build")
    .Description("The main job: every sample and contract on both engines side by side (warm times), the token scenario, then the quick benchmark report.")
    .Does(() =>
{
    DotNetRun("./Tos.Tbpf.Cli/Tos.Tbpf.Cli.csproj", new ProcessArgumentBuilder().Append("report").AppendQuoted("samples"),
        new DotNetRunSettings { Configuration = configuration, NoBuild = true });
    DotNetRun("./Tos.Tbpf.Cli/Tos.Tbpf.Cli.csproj",
        new ProcessArgumentBuilder().Append("token-demo").AppendQuoted("native-contracts/out/v3-O2/token.o"),
        new DotNetRunSettings { Configuration = configuration, NoBuild = true });
    // Figures measured here and now, not copied from another machine: the quick report (about a minute).
    BenchReport("quick");
});

Task("Fuzz")
    .Description("The SharpFuzz targets (elf, verify, diff) under AFL++, a short run each (fuzzSeconds, default 60); installs afl++ when missing.")
    .Does(() =>
{
    EnsureTool("afl-fuzz", "afl++", "install AFL++ (Debian: apt-get install afl++)");

    var seconds = Argument("fuzzSeconds", 60);
    foreach (var target in new[] { "elf", "verify", "diff" })
    {
        if (StartProcess("bash", $"fuzz/afl.sh {target} {seconds}") != 0)
        {
            throw new Exception($"the {target} target found a crash or AFL++ failed (see artifacts/afl/{target})");
        }
    }
});

Task("Bench")
    .Description("The full benchmark report (BenchmarkDotNet, ~15 minutes): artifacts/bench/report.md, report.html and PNG charts.")
    .Does(() => BenchReport("full"));

Task("BenchQuick")
    .Description("The same report from a quick sampler (about a minute of measuring): artifacts/bench/report.md, report.html and charts.")
    .Does(() => BenchReport("quick"));

Task("BenchPublish")
    .Description("Copies the last report into docs/bench and its summary into the README's benchmark section.")
    .Does(() =>
{
    var from = Directory("./artifacts/bench");
    if (!FileExists(from + File("summary.md")))
    {
        throw new Exception("no report in artifacts/bench: run dotnet cake --target=Bench (or BenchQuick) first");
    }

    EnsureDirectoryExists("./docs/bench");
    CleanDirectory("./docs/bench");
    CopyFiles(GetFiles("./artifacts/bench/*.png"), "./docs/bench");
    foreach (var name in new[] { "report.md", "report.html", "report.json" })
    {
        CopyFile(from + File(name), File("./docs/bench/" + name));
    }

    const string begin = "<!-- bench:begin (generated by dotnet cake --target=BenchPublish) -->", end = "<!-- bench:end -->";
    var readme = System.IO.File.ReadAllText("README.md");
    var start = readme.IndexOf(begin, StringComparison.Ordinal);
    var stop = readme.IndexOf(end, StringComparison.Ordinal);
    if (start < 0 || stop < start)
    {
        throw new Exception("README.md has no bench:begin / bench:end markers");
    }

    var summary = System.IO.File.ReadAllText("./artifacts/bench/summary.md").Trim();
    System.IO.File.WriteAllText("README.md", readme[..(start + begin.Length)] + "\n" + summary + "\n" + readme[stop..]);
    Information("README.md and docs/bench updated from artifacts/bench");
});

// Both reports time the workloads as C compiled with gcc -O2 beside the engines: gcc comes from Debian's packages.
void BenchReport(string mode)
{
    EnsureTool("gcc", "gcc");
    DotNetBuild("./Tos.Tbpf.Bench/Tos.Tbpf.Bench.csproj", new DotNetBuildSettings { Configuration = "Release" });
    DotNetRun("./Tos.Tbpf.Bench/Tos.Tbpf.Bench.csproj", new ProcessArgumentBuilder().Append("report").Append(mode),
        new DotNetRunSettings { Configuration = "Release", NoBuild = true });
}

RunTarget(target);
