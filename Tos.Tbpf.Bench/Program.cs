using BenchmarkDotNet.Running;
using Tos.Tbpf.Bench;
using Tos.Tbpf.Bench.Report;

// `report quick|full [FOLDER]` measures every figure of the benchmark report and writes it (report.md, report.html,
// charts, report.json, summary.md) into FOLDER, artifacts/bench by default; anything else goes to BenchmarkDotNet's
// switcher. A benchmark that fails (its result check throws, or it cannot run) fails the whole run: exit 1.
if (args.Length >= 2 && args[0] == "report" && args[1] is "quick" or "full")
{
    var folder = Path.GetFullPath(args.Length > 2 ? args[2] : Path.Combine(Repository.Root, "artifacts", "bench"));
    var results = args[1] == "quick"
        ? QuickRunner.Run(message => Console.WriteLine($"[bench] {message}"))
        : FullRunner.Run(Path.Combine(folder, "bdn"));
    ReportBuilder.Write(results, folder);
    Console.WriteLine(File.ReadAllText(Path.Combine(folder, "summary.md")));
    Console.WriteLine($"report: {Path.Combine(folder, "report.md")} and report.html");
    foreach (var failure in results.Failures)
    {
        Console.Error.WriteLine($"failed: {failure}");
    }

    return results.Failures.Count == 0 ? 0 : 1;
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(ExecutionBenchmarks).Assembly).Run(args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
