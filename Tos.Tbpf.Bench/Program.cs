using BenchmarkDotNet.Running;

// A benchmark that fails (its result check throws, or it cannot run) fails the whole run: exit 1, so CI and Cake notice.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Tos.Tbpf.Bench.ExecutionBenchmarks).Assembly).Run(args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
