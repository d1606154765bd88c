using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf profile PROGRAM …</c>: where a run spends its compute units, on the interpreter. Every unit is charged to the
/// instruction that consumed it (a syscall's cost to its call), then summed per function and per source line (per pc
/// without a line table) into sorted tables; <c>--collapsed FILE</c> writes the units by call stack in the folded
/// format that flamegraph.pl, speedscope and inferno read.
/// </summary>
internal static class ProfileCommand
{
    public static Command Create()
    {
        var run = new ObservedRun();
        var top = new Option<int>("--top") { Description = "Rows per table (default 20).", DefaultValueFactory = _ => 20 };
        var collapsed = new Option<FileInfo?>("--collapsed")
        {
            Description = "Also write the units by call stack, one 'caller;callee units' line per stack (flame graph input).",
        };
        var command = new Command("profile", "Run a program on the interpreter and show where its compute units go, per function and per source line.");
        run.AddTo(command);
        command.Options.Add(top);
        command.Options.Add(collapsed);
        command.SetAction(parse =>
        {
            try
            {
                var rows = parse.GetValue(top);
                if (rows < 1)
                {
                    throw new CliFailure("UsageError", "--top must be 1 or more");
                }

                using var loaded = run.Load(parse);
                var counter = new UnitCounter(loaded.Program);
                var outcome = loaded.Run(counter.Step);
                counter.Finish(outcome.Result.ComputeUnits);
                Print(counter, loaded.Program, outcome.Result, rows);
                var exitCode = outcome.Print(loaded.Program);
                if (parse.GetValue(collapsed) is { } file)
                {
                    try
                    {
                        File.WriteAllLines(file.FullName, counter.Stacks.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value}"));
                    }
                    catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                    {
                        throw new CliFailure("UsageError", $"cannot write '{file.FullName}': {exception.Message}");
                    }

                    Console.WriteLine($"call stacks: {file.FullName} (folded; open in speedscope or flamegraph.pl)");
                }

                return exitCode;
            }
            catch (CliFailure failure)
            {
                Console.Error.WriteLine($"{failure.Kind}: {failure.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static void Print(UnitCounter counter, VerifiedExecutable program, Execution.ExecutionResult result, int rows)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 160;
        }

        var total = Math.Max(1, result.ComputeUnits);
        var map = program.Executable.SourceMap;
        var byFunction = counter.ByPc.Select((units, pc) => (Key: map.Find(pc)?.Function ?? "(no symbol)", Units: units))
            .Where(x => x.Units > 0).GroupBy(x => x.Key).Select(g => (g.Key, Units: g.Sum(x => (double)x.Units)));
        var lines = map.HasLines;
        var byLine = counter.ByPc.Select((units, pc) => (Key: LineKey(map.Find(pc), pc, lines), Units: units))
            .Where(x => x.Units > 0).GroupBy(x => x.Key).Select(g => (g.Key, Units: g.Sum(x => (double)x.Units)));
        AnsiConsole.Write(Table("function", byFunction, total, rows));
        AnsiConsole.Write(Table(lines ? "source line" : "pc", byLine, total, rows));
    }

    private static string LineKey(Elf.Dwarf.SourceLocation? location, int pc, bool lines) =>
        lines && location?.File is not null ? $"{location.File}:{location.Line}" : $"pc {pc}{(location?.Function is { } f ? $" ({f})" : "")}";

    private static Table Table(string what, IEnumerable<(string Key, double Units)> entries, ulong total, int rows)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn(what)
            .AddColumn(new TableColumn("compute units").RightAligned()).AddColumn(new TableColumn("%").RightAligned());
        foreach (var (key, units) in entries.OrderByDescending(e => e.Units).ThenBy(e => e.Key, StringComparer.Ordinal).Take(rows))
        {
            table.AddRow(Markup.Escape(key), units.ToString("0", CultureInfo.InvariantCulture),
                (units * 100 / total).ToString("0.0", CultureInfo.InvariantCulture));
        }

        return table;
    }

    /// <summary>Charges the units between two steps to the first, and keeps the call stack for the folded output.</summary>
    private sealed class UnitCounter(VerifiedExecutable program)
    {
        private readonly List<string> _stack = [];
        private string _stackKey = "";
        private long _pc = -1;
        private ulong _units;

        public ulong[] ByPc { get; } = new ulong[program.Executable.Instructions.Length];

        public Dictionary<string, ulong> Stacks { get; } = new(StringComparer.Ordinal);

        public void Step(long pc, ulong unitsBefore, ReadOnlySpan<ulong> registers)
        {
            if (_pc >= 0)
            {
                Charge(unitsBefore - _units);
                var previous = program.Executable.Instructions[_pc].Op;
                if (previous is Op.CallLocal or Op.Callx && pc != _pc + 1)
                {
                    _stack.Add(FunctionAt(pc));
                    _stackKey = string.Join(';', _stack);
                }
                else if (previous == Op.Exit && _stack.Count > 1)
                {
                    _stack.RemoveAt(_stack.Count - 1);
                    _stackKey = string.Join(';', _stack);
                }
            }
            else
            {
                _stack.Add(FunctionAt(pc));
                _stackKey = _stack[0];
            }

            _pc = pc;
            _units = unitsBefore;
        }

        public void Finish(ulong totalUnits)
        {
            if (_pc >= 0 && totalUnits >= _units)
            {
                Charge(totalUnits - _units);
            }
        }

        private void Charge(ulong units)
        {
            ByPc[_pc] += units;
            // The key changes only at calls and returns, not per instruction.
            ref var total = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Stacks, _stackKey, out _);
            total += units;
        }

        private string FunctionAt(long pc) => program.Executable.SourceMap.Find(pc)?.Function ?? $"pc_{pc}";
    }
}
