using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Tos.Tbpf.Bench.ExecutionBenchmarks).Assembly).Run(args);
