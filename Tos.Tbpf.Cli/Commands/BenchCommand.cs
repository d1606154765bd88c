using System.CommandLine;
using System.Globalization;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf bench PROGRAM …</c>: ad-hoc measurement of one program. Load + verify and JIT compile are timed on their own
/// (median of several after an unmeasured one), then each engine runs the program <c>--warmup</c> times unmeasured and
/// <c>--runs</c> times measured, every run on freshly prepared memory (preparing it is not timed). Prints min, median and
/// max run time and eBPF instructions per second (the interpreter's compute units over the median time).
/// </summary>
internal static class BenchCommand
{
    private const int MaxRuns = 1_000_000;

    public static Command Create()
    {
        var program = new Argument<string>("PROGRAM") { Description = "The program file (ELF object, assembler text or raw bytecode)." };
        var format = CommonOptions.Format();
        var profile = CommonOptions.Profile();
        var engine = new Option<string>("--engine")
        {
            Description = "interpreter, jit or both (default).",
            DefaultValueFactory = _ => "both",
        };
        engine.AcceptOnlyFromAmong("interpreter", "jit", "both");
        var noMetering = new Option<bool>("--no-metering") { Description = "JIT without compute-unit checks." };
        var noHardening = new Option<bool>("--no-hardening") { Description = "JIT without constant blinding and no-op insertion." };
        var runs = new Option<int>("--runs") { Description = "Measured runs per engine (default 20).", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured runs first, so .NET and the caches warm up (default 10).", DefaultValueFactory = _ => 10 };
        var budget = new Option<ulong>("--budget")
        {
            Description = $"Compute units per run (any 64-bit value; default {RunCommand.DefaultBudget}).",
            DefaultValueFactory = _ => RunCommand.DefaultBudget,
        };
        var input = new Option<FileInfo?>("--input") { Description = "A file whose bytes are the input region." };
        var inputHex = new Option<string?>("--input-hex") { Description = "The input as hex bytes." };
        var entry = CommonOptions.Entry();
        var json = new Option<bool>("--json") { Description = "Print one JSON object per engine, one per line." };
        var command = new Command("bench", "Measure a program: load + verify, compile, and warm run times on each engine.")
        {
            program, format, profile, engine, noMetering, noHardening, runs, warmup, budget, input, inputHex, entry, json,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(input) is not null && result.GetResult(inputHex) is not null)
            {
                result.AddError("--input and --input-hex cannot be combined");
            }
        });
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            try
            {
                if (parse.GetValue(runs) is < 1 or > MaxRuns || parse.GetValue(warmup) is < 0 or > MaxRuns)
                {
                    throw new CliFailure("UsageError", $"--runs must be 1 to {MaxRuns} and --warmup 0 to {MaxRuns}");
                }

                var path = parse.GetValue(program)!;
                var selected = CommonOptions.ParseProfile(parse.GetValue(profile)!);
                var bytes = RunCommand.ReadInput(parse.GetValue(input), parse.GetValue(inputHex));
                Func<VerifiedExecutable> load = () => ProgramLoader.Load(path, parse.GetValue(format), selected,
                    StandardSyscalls.For(selected), parse.GetValue(entry));
                var loadSeconds = WarmRuns.MedianSeconds(() => load());
                var verified = load();
                var options = new JitOptions(Metering: !parse.GetValue(noMetering), BlindConstants: !parse.GetValue(noHardening),
                    NopInsertion: !parse.GetValue(noHardening));
                var settings = new Settings(parse.GetValue(budget), parse.GetValue(runs), parse.GetValue(warmup), bytes);
                // Instructions per second always use the interpreter's count: an unmetered JIT counts nothing.
                var instructions = WarmRuns.Run(Engines.Interpreter, verified, settings.Input, settings.Budget).Result.ComputeUnits;
                var engines = parse.GetValue(engine) switch
                {
                    "interpreter" => [EngineKind.Interpreter],
                    "jit" => [EngineKind.Jit],
                    _ => new[] { EngineKind.Interpreter, EngineKind.Jit },
                };
                if (!asJson)
                {
                    Console.WriteLine($"{path}: {verified.Executable.Instructions.Length} slots, profile {selected.Name}, "
                        + $"load + verify {Micro(loadSeconds)} µs, {instructions} instructions per run (interpreter's compute units)");
                }

                foreach (var kind in engines)
                {
                    var measured = Measure(kind, verified, options, settings);
                    Print(measured with { Program = path, LoadSeconds = loadSeconds, Instructions = instructions }, asJson);
                }

                return ExitCodes.Ok;
            }
            catch (CliFailure failure)
            {
                return Fail(asJson, failure.Kind, failure.Message);
            }
            catch (EngineUnavailableException exception)
            {
                return Fail(asJson, "UsageError", exception.Message);
            }
        });
        return command;
    }

    private sealed record Settings(ulong Budget, int Runs, int Warmup, byte[] Input);

    private sealed record Measurement(string Engine, string Outcome, double? CompileSeconds, double[] RunSeconds)
    {
        public string Program { get; init; } = "";

        public double LoadSeconds { get; init; }

        public ulong Instructions { get; init; }
    }

    private static Measurement Measure(EngineKind kind, VerifiedExecutable verified, JitOptions options, Settings settings)
    {
        IEngine engine;
        double? compileSeconds = null;
        if (kind == EngineKind.Jit)
        {
            engine = Engines.CreateJit(options);
            compileSeconds = WarmRuns.MedianSeconds(() => JitProgram.Compile(verified, options).Dispose());
            engine.Prepare(verified);
        }
        else
        {
            engine = Engines.Interpreter;
        }

        var result = WarmRuns.Run(engine, verified, settings.Input, settings.Budget).Result;
        var outcome = result.Error is { } error ? $"{error.Kind} at pc {error.Pc}" : $"r0 = 0x{result.R0:x}";
        var times = WarmRuns.RunTimes(engine, verified, settings.Input, settings.Budget, settings.Warmup, settings.Runs);
        var name = kind == EngineKind.Jit
            ? "jit" + (options.Metering ? "" : " no-metering") + (options.BlindConstants ? "" : " no-hardening")
            : "interpreter";
        return new Measurement(name, outcome, compileSeconds, times);
    }

    private static void Print(Measurement m, bool json)
    {
        var median = WarmRuns.Median(m.RunSeconds);
        var rate = median > 0 ? m.Instructions / median : 0;
        if (json)
        {
            Console.WriteLine(JsonLine.Write(w =>
            {
                w.WriteString("program", m.Program);
                w.WriteString("engine", m.Engine);
                w.WriteNumber("instructions", m.Instructions);
                w.WriteNumber("loadUs", Math.Round(m.LoadSeconds * 1e6, 3));
                if (m.CompileSeconds is { } compile)
                {
                    w.WriteNumber("compileUs", Math.Round(compile * 1e6, 3));
                }
                else
                {
                    w.WriteNull("compileUs");
                }

                w.WriteStartObject("runUs");
                w.WriteNumber("min", Math.Round(m.RunSeconds[0] * 1e6, 3));
                w.WriteNumber("median", Math.Round(median * 1e6, 3));
                w.WriteNumber("max", Math.Round(m.RunSeconds[^1] * 1e6, 3));
                w.WriteEndObject();
                w.WriteNumber("insnPerSec", Math.Round(rate));
                w.WriteString("outcome", m.Outcome);
            }));
            return;
        }

        var compileText = m.CompileSeconds is { } seconds ? $", compile {Micro(seconds)} µs" : "";
        Console.WriteLine($"{m.Engine}: {m.Outcome}{compileText}; run min/median/max {Micro(m.RunSeconds[0])}/{Micro(median)}/{Micro(m.RunSeconds[^1])} µs "
            + $"over {m.RunSeconds.Length} runs, {(rate / 1e6).ToString("0.0", CultureInfo.InvariantCulture)} M instructions/s");
    }

    private static int Fail(bool json, string kind, string message)
    {
        if (json)
        {
            Console.WriteLine(JsonLine.Write(w =>
            {
                w.WriteBoolean("ok", false);
                w.WriteString("error", kind);
                w.WriteString("message", message);
            }));
        }
        else
        {
            Console.Error.WriteLine($"{kind}: {message}");
        }

        return ExitCodes.Usage;
    }

    private static string Micro(double seconds) => (seconds * 1e6).ToString("0.###", CultureInfo.InvariantCulture);
}
