using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf report DIR</c>: the main job. Runs every <c>*.asm</c> and <c>*.sample</c> of a folder on every engine and
/// prints them side by side: each engine's result and compute units, whether they agree, the warm median run time on
/// each (after unmeasured runs, on prepared memory), the JIT's speed-up, and its compile time on its own, so that no
/// compile or first-call cost is mixed into a run time. A sample states its own expectation in header comments
/// (<c># profile:</c>, <c># input-hex:</c>, <c># budget:</c>, <c># expect:</c>, <c># elf:</c>).
/// </summary>
internal static class ReportCommand
{
    private const int WarmupRuns = 20, TimedRuns = 31;

    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("DIR") { Description = "A folder of .asm samples and .sample files." };
        var command = new Command("report", "Run every sample of a folder on every engine and print them side by side.") { folder };
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

        var samples = folder.GetFiles("*.asm").Concat(folder.GetFiles("*.sample")).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (samples.Count == 0)
        {
            Console.Error.WriteLine($"tbpf: no .asm or .sample files in '{folder.FullName}'");
            return ExitCodes.Usage;
        }

        // Redirected output (CI logs, cake) has no terminal width; do not wrap the table at 80 columns.
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 240;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("program").AddColumn("interpreter").AddColumn("jit").AddColumn("agree")
            .AddColumn(new TableColumn("interpreter µs").RightAligned()).AddColumn(new TableColumn("jit µs").RightAligned())
            .AddColumn(new TableColumn("speed-up").RightAligned()).AddColumn(new TableColumn("jit compile µs").RightAligned())
            .AddColumn("expected");
        var failures = 0;
        foreach (var file in samples)
        {
            var sample = Sample.Read(file);
            var row = RunSample(sample);
            failures += row.Agree && row.Matches ? 0 : 1;
            table.AddRow(
                Markup.Escape(System.IO.Path.GetFileName(file.Name)), Markup.Escape(row.Interpreter), Markup.Escape(row.Jit ?? "n/a"),
                row.Jit is null ? "-" : row.Agree ? "[green]yes[/]" : "[red]NO[/]",
                Micro(row.InterpreterSeconds), Micro(row.JitSeconds),
                row.InterpreterSeconds is { } i && row.JitSeconds is { } j && j > 0 ? (i / j).ToString("0.0", CultureInfo.InvariantCulture) + "×" : "-",
                Micro(row.CompileSeconds),
                row.Matches ? $"[green]{Markup.Escape(sample.Expect ?? "-")}[/]" : $"[red]{Markup.Escape(sample.Expect ?? "-")} MISMATCH[/]");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Times are warm medians of {TimedRuns} runs after {WarmupRuns} unmeasured ones; compile time is the JIT's alone (hardening and metering on).");
        AnsiConsole.MarkupLine(failures == 0
            ? "[green]every sample gave its expected result, the same on every engine[/]"
            : $"[red]{failures} sample(s) differ from the expectation or between engines[/]");
        return failures == 0 ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    private sealed record Row(string Interpreter, string? Jit, bool Agree, bool Matches, double? InterpreterSeconds, double? JitSeconds,
        double? CompileSeconds);

    private static Row RunSample(Sample sample)
    {
        VerifiedExecutable verified;
        try
        {
            verified = ProgramLoader.Load(sample.Path, sample.Format, sample.Profile, StandardSyscalls.For(sample.Profile), null);
        }
        catch (CliFailure failure)
        {
            // Refused before running: the same on every engine, by construction.
            var text = $"{failure.Kind}: {failure.Message}";
            return new Row(text, Engines.Jit is null ? null : text, true, sample.Expect == failure.Kind, null, null, null);
        }

        var interpreter = Outcome(Engines.Interpreter, verified, sample);
        var interpreterSeconds = Median(Engines.Interpreter, verified, sample);
        if (Engines.Jit is not { } jit)
        {
            return new Row(interpreter.Text, null, true, sample.Matches(interpreter.Result), interpreterSeconds, null, null);
        }

        var compiled = Outcome(jit, verified, sample);
        var compileSeconds = WarmRuns.MedianSeconds(() => Jit.JitProgram.Compile(verified).Dispose());
        var agree = interpreter.Text == compiled.Text && interpreter.Result.R0 == compiled.Result.R0 && interpreter.Logs.SequenceEqual(compiled.Logs);
        return new Row(interpreter.Text, compiled.Text, agree, sample.Matches(interpreter.Result) && sample.Matches(compiled.Result),
            interpreterSeconds, Median(jit, verified, sample), compileSeconds);
    }

    private static (ExecutionResult Result, string Text, List<string> Logs) Outcome(IEngine engine, VerifiedExecutable verified, Sample sample)
    {
        var host = Host.Invocation.Offline();
        var result = WarmRuns.Run(engine, verified, sample.Input, sample.Budget, host).Result;
        var described = result.Error is { } error ? $"{error.Kind} at pc {error.Pc}" : $"0x{result.R0:x}";
        return (result, $"{described} · {result.ComputeUnits.ToString(CultureInfo.InvariantCulture)} CU", host.LogLines.ToList());
    }

    private static double Median(IEngine engine, VerifiedExecutable verified, Sample sample) =>
        WarmRuns.Median(WarmRuns.RunTimes(engine, verified, sample.Input, sample.Budget, WarmupRuns, TimedRuns));

    private static string Micro(double? seconds) =>
        seconds is { } s ? (s * 1e6).ToString(s < 1e-4 ? "0.00" : "0", CultureInfo.InvariantCulture) : "-";

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
