using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Tos.Tbpf.Execution;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf report DIR</c>: the main job. Runs every <c>*.asm</c> sample of a folder on every engine and prints
/// a table of program, engine, r0 or error, compute units and time (one cold run: the benchmarks measure speed). A sample states its own expectation in
/// header comments (<c># profile:</c>, <c># input-hex:</c>, <c># budget:</c>, <c># expect:</c>).
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("DIR") { Description = "A folder of .asm samples." };
        var command = new Command("report", "Run every sample program of a folder on every engine and print a table.") { folder };
        command.SetAction(parse => Run(parse.GetValue(folder)!));
        return command;
    }

    private static int Run(DirectoryInfo folder)
    {
        if (!folder.Exists)
        {
            Console.Error.WriteLine($"tbpf: no folder '{folder.FullName}'");
            return ExitCodes.Usage;
        }

        // Redirected output (CI logs, cake) has no terminal width; do not wrap the table at 80 columns.
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 160;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("program").AddColumn("profile").AddColumn("engine").AddColumn("result")
            .AddColumn(new TableColumn("compute units").RightAligned()).AddColumn(new TableColumn("time (ms)").RightAligned())
            .AddColumn("expected");
        var mismatches = 0;
        foreach (var file in folder.GetFiles("*.asm").Concat(folder.GetFiles("*.sample")).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var sample = Sample.Read(file);
            foreach (var engine in Engines.Available)
            {
                var (described, cu, elapsed, matches) = RunSample(sample, engine);
                mismatches += matches ? 0 : 1;
                table.AddRow(
                    Markup.Escape(System.IO.Path.GetFileName(sample.Path)), sample.Profile.Name, engine.Name, Markup.Escape(described),
                    cu.ToString(CultureInfo.InvariantCulture), elapsed.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture),
                    matches ? $"[green]{Markup.Escape(sample.Expect ?? "-")}[/]" : $"[red]{Markup.Escape(sample.Expect ?? "-")} MISMATCH[/]");
            }
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(mismatches == 0 ? "[green]every sample gave its expected result[/]" : $"[red]{mismatches} result(s) differ from the expectation[/]");
        return mismatches == 0 ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    private static (string Described, ulong Cu, TimeSpan Elapsed, bool Matches) RunSample(Sample sample, IEngine engine)
    {
        try
        {
            var verified = ProgramLoader.Load(sample.Path, sample.Format, sample.Profile, StandardSyscalls.For(sample.Profile), null);
            var kind = engine.Name == "jit" ? EngineKind.Jit : EngineKind.Interpreter;
            var stopwatch = Stopwatch.StartNew();
            var result = Vm.Run(verified, sample.Input, sample.Budget, kind, hostState: Host.Invocation.Offline()).Result;
            stopwatch.Stop();
            var described = result.Error is { } error ? $"{error.Kind} at pc {error.Pc}" : $"0x{result.R0:x}";
            return (described, result.ComputeUnits, stopwatch.Elapsed, sample.Matches(result));
        }
        catch (CliFailure failure)
        {
            return ($"{failure.Kind}: {failure.Message}", 0, TimeSpan.Zero, sample.Expect == failure.Kind);
        }
    }

    private sealed record Sample(string Path, string Format, Profile Profile, byte[] Input, ulong Budget, string? Expect)
    {
        public static Sample Read(FileInfo file)
        {
            var header = File.ReadLines(file.FullName).TakeWhile(l => l.StartsWith('#'))
                .Select(l => l.TrimStart('#').Trim()).Where(l => l.Contains(':'))
                .ToDictionary(l => l[..l.IndexOf(':')].Trim(), l => l[(l.IndexOf(':') + 1)..].Trim(), StringComparer.Ordinal);
            var profile = Tos.Tbpf.Profile.ByName(header.GetValueOrDefault("profile", "tbpf")) ?? Tos.Tbpf.Profile.Tbpf;
            var input = Hex.TryParse(header.GetValueOrDefault("input-hex", "")) ?? [];
            var budget = header.TryGetValue("budget", out var b) ? ulong.Parse(b, CultureInfo.InvariantCulture) : RunCommand.DefaultBudget;
            var elf = header.GetValueOrDefault("elf");
            var path = elf is null ? file.FullName : System.IO.Path.GetFullPath(System.IO.Path.Combine(file.DirectoryName!, elf));
            return new Sample(path, elf is null ? "asm" : "elf", profile, input, budget, header.GetValueOrDefault("expect"));
        }

        public bool Matches(ExecutionResult result) => Expect is null
            || (result.Error is { } error ? Expect == error.Kind.ToString()
                : Expect.StartsWith("0x", StringComparison.Ordinal)
                    && ulong.TryParse(Expect.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
                    && value == result.R0);
    }
}
