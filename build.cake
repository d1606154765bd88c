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
    CleanDirectory(testResults);
    DotNetTest(solution, new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        Loggers = { "trx", "console;verbosity=minimal" },
        ResultsDirectory = testResults,
    });
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

Task("Demo")
    .IsDependentOn("Build")
    .Description("The main job: assemble and run every sample program on every engine and print a report.")
    .Does(() =>
{
    DotNetRun("./Tos.Tbpf.Cli/Tos.Tbpf.Cli.csproj", new ProcessArgumentBuilder().Append("report").AppendQuoted("samples"),
        new DotNetRunSettings { Configuration = configuration, NoBuild = true });
});

Task("Bench")
    .Description("BenchmarkDotNet: the canonical workloads of ../shared/bench on every engine.")
    .Does(() =>
{
    DotNetRun("./Tos.Tbpf.Bench/Tos.Tbpf.Bench.csproj", new ProcessArgumentBuilder().Append("--filter").AppendQuoted("*"),
        new DotNetRunSettings { Configuration = "Release" });
});

RunTarget(target);
