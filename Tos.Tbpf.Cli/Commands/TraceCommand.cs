using System.CommandLine;
using System.Globalization;
using System.Text;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf trace PROGRAM …</c>: every executed instruction, on the interpreter, with its pc, its source line when the
/// object has one, its disassembly and the registers it changed; the first <c>--limit</c> lines, then a count of the rest.
/// </summary>
internal static class TraceCommand
{
    public static Command Create()
    {
        var run = new ObservedRun();
        var limit = new Option<long>("--limit")
        {
            Description = "Print at most this many instructions (default 10000); the run always completes.",
            DefaultValueFactory = _ => 10_000,
        };
        var command = new Command("trace", "Run a program on the interpreter and print every instruction it executes and what it changed.");
        run.AddTo(command);
        command.Options.Add(limit);
        command.SetAction(parse =>
        {
            try
            {
                var max = parse.GetValue(limit);
                if (max < 0)
                {
                    throw new CliFailure("UsageError", "--limit must be 0 or more");
                }

                using var loaded = run.Load(parse);
                var printer = new StepPrinter(loaded.Program, max);
                Console.WriteLine($"{"pc",6}  {"source",-22} {"instruction",-30} changed registers");
                var outcome = loaded.Run(printer.Step);
                printer.Finish(outcome.FinalRegisters);
                foreach (var log in outcome.Logs)
                {
                    Console.WriteLine($"log: {log}");
                }

                return outcome.Print(loaded.Program);
            }
            catch (CliFailure failure)
            {
                Console.Error.WriteLine($"{failure.Kind}: {failure.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    /// <summary>Prints each instruction once the next one shows what it changed.</summary>
    private sealed class StepPrinter(VerifiedExecutable program, long limit)
    {
        private readonly ulong[] _before = new ulong[11];
        private long _pc = -1, _steps;
        private string? _lastSource;

        public void Step(long pc, ulong unitsBefore, ReadOnlySpan<ulong> registers)
        {
            Flush(registers);
            _pc = pc;
            _steps++;
            registers.CopyTo(_before);
        }

        public void Finish(ReadOnlySpan<ulong> final)
        {
            Flush(final);
            if (_steps > limit)
            {
                Console.WriteLine($"… {_steps - limit} more instructions not shown (--limit {limit})");
            }
        }

        private void Flush(ReadOnlySpan<ulong> after)
        {
            if (_pc < 0 || _steps > limit)
            {
                return;
            }

            var executable = program.Executable;
            var location = executable.SourceMap.Find(_pc);
            var source = location?.File is not null ? $"{location.File}:{location.Line}" : location?.Function ?? "";
            var shown = source == _lastSource ? "" : source;
            _lastSource = source;
            var text = new StringBuilder();
            text.Append(_pc.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append("  ").Append(shown.PadRight(22)).Append(' ')
                .Append(Disassembler.Format(executable.Instructions[_pc], _pc, executable.Syscalls).PadRight(30));
            for (var r = 0; r <= 10; r++)
            {
                if (after[r] != _before[r])
                {
                    text.Append($" r{r} = 0x{after[r]:x}");
                }
            }

            Console.WriteLine(text.ToString().TrimEnd());
        }
    }
}
