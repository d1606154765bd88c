using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;

namespace Tos.Tbpf.Cli.Commands;

/// <summary><c>tbpf run PROGRAM …</c>: exit 0 when the program reached exit, 1 on a runtime error, 2 before running.</summary>
internal static class RunCommand
{
    /// <summary>The default budget: the contract host's maximum.</summary>
    public const ulong DefaultBudget = 1_400_000;

    public static Command Create()
    {
        var program = new Argument<string>("PROGRAM") { Description = "The program file (ELF object, assembler text or raw bytecode)." };
        var format = CommonOptions.Format();
        var profile = CommonOptions.Profile();
        var engine = CommonOptions.Engine();
        var budget = new Option<ulong>("--budget")
        {
            Description = $"Compute units available (any 64-bit value; default {DefaultBudget}).",
            DefaultValueFactory = _ => DefaultBudget,
        };
        var input = new Option<FileInfo?>("--input") { Description = "A file whose bytes are the input region." };
        var inputHex = new Option<string?>("--input-hex") { Description = "The input as hex bytes, with or without separators; \"\" for none." };
        var entry = CommonOptions.Entry();
        var maxCallDepth = CommonOptions.MaxCallDepth();
        var stackFrameSize = CommonOptions.StackFrameSize();
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON line with the outcome." };
        var command = new Command("run", "Verify and run a program, printing r0 or the error and the compute units.")
        {
            program, format, profile, engine, budget, input, inputHex, entry, maxCallDepth, stackFrameSize, json,
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
            var report = new OutcomeReporter(parse.GetValue(json));
            try
            {
                var selected = CommonOptions.WithFrames(CommonOptions.ParseProfile(parse.GetValue(profile)!),
                    parse.GetValue(maxCallDepth), parse.GetValue(stackFrameSize));
                var bytes = ReadInput(parse.GetValue(input), parse.GetValue(inputHex));
                var engineName = parse.GetValue(engine)!;
                var verified = ProgramLoader.Load(parse.GetValue(program)!, parse.GetValue(format), selected,
                    StandardSyscalls.For(selected), parse.GetValue(entry));
                if (engineName == "both")
                {
                    return RunBoth(verified, bytes, parse.GetValue(budget), report);
                }

                var kind = CommonOptions.ParseEngine(engineName);
                var engineToUse = Engines.Get(kind);
                var host = Invocation.Offline();
                var stopwatch = Stopwatch.StartNew();
                var outcome = Vm.Run(verified, bytes, parse.GetValue(budget), kind, hostState: host);
                stopwatch.Stop();
                return report.Result(outcome.Result, engineToUse.Name, stopwatch.Elapsed, host, verified.Executable.SourceMap);
            }
            catch (CliFailure failure)
            {
                return report.Failure(failure.Kind, failure.Message, failure.Pc);
            }
            catch (EngineUnavailableException exception)
            {
                return report.Failure("UsageError", exception.Message, null);
            }
        });
        return command;
    }

    /// <summary>The differential mode: both engines, every observable compared; a divergence is exit 3.</summary>
    private static int RunBoth(Programs.VerifiedExecutable verified, byte[] input, ulong budget, OutcomeReporter report)
    {
        var interpreterHost = Invocation.Offline();
        var jitHost = Invocation.Offline();
        var interpreter = Vm.Run(verified, input, budget, EngineKind.Interpreter, hostState: interpreterHost);
        var jit = Vm.Run(verified, input, budget, EngineKind.Jit, hostState: jitHost);
        var differences = Differences(interpreter, jit).ToList();
        if (!interpreterHost.LogLines.SequenceEqual(jitHost.LogLines))
        {
            differences.Add("the logs differ");
        }

        if (!interpreterHost.Events.Select(e => Convert.ToHexString(e.Topic) + ":" + Convert.ToHexString(e.Data))
                .SequenceEqual(jitHost.Events.Select(e => Convert.ToHexString(e.Topic) + ":" + Convert.ToHexString(e.Data)))
            || !interpreterHost.Transfers.SequenceEqual(jitHost.Transfers))
        {
            differences.Add("the events or transfers differ");
        }

        if (!interpreterHost.Overlay.Changes.Select(Describe).SequenceEqual(jitHost.Overlay.Changes.Select(Describe)))
        {
            differences.Add("the state changes differ");
        }

        if (differences.Count == 0)
        {
            return report.Result(jit.Result, "interpreter and jit agree", TimeSpan.Zero, jitHost, verified.Executable.SourceMap);
        }

        return DivergenceReport.Print(
            "",
            $"{interpreter.Result.Describe()} {interpreter.Result.Error?.Message}",
            $"{jit.Result.Describe()} {jit.Result.Error?.Message}",
            differences);
    }

    private static string Describe(KeyValuePair<byte[], byte[]?> change) =>
        $"{Convert.ToHexString(change.Key)}={(change.Value is null ? "deleted" : Convert.ToHexString(change.Value))}";

    private static IEnumerable<string> Differences(RunOutcome a, RunOutcome b)
    {
        if (a.Result.Describe() != b.Result.Describe() || a.Result.R0 != b.Result.R0)
        {
            yield return "the results differ";
        }

        if (!a.Result.IsOk)
        {
            yield break;
        }

        foreach (var region in a.Memory.Regions)
        {
            var other = b.Memory[region.Index]!.Data;
            var at = region.Data.AsSpan().CommonPrefixLength(other);
            if (at < region.Data.Length)
            {
                yield return $"the {region.Name} region differs first at offset {at}";
            }
        }
    }

    internal static byte[] ReadInput(FileInfo? file, string? hex)
    {
        if (file is not null)
        {
            try
            {
                return File.ReadAllBytes(file.FullName);
            }
            catch (IOException exception)
            {
                throw new CliFailure("UsageError", $"cannot read the input: {exception.Message}");
            }
        }

        if (hex is null)
        {
            return [];
        }

        return Hex.TryParse(hex) ?? throw new CliFailure("UsageError", "--input-hex: expected hex bytes (two digits each)");
    }

    /// <summary>Prints an outcome as text or as the one JSON line of <c>--json</c>.</summary>
    private sealed class OutcomeReporter(bool json)
    {
        public int Result(ExecutionResult result, string engine, TimeSpan elapsed, Invocation host, Elf.Dwarf.SourceMap source)
        {
            if (!json)
            {
                Devnet.InvocationJson.PrintEffects(host.LogLines, host.Events, host.Transfers);
            }

            void Effects(System.Text.Json.Utf8JsonWriter w)
            {
                w.WriteString("engine", engine);
                Devnet.InvocationJson.WriteEffects(w, host.LogLines, host.Events, host.Transfers);
            }

            if (result.Error is { } error)
            {
                if (json)
                {
                    Console.WriteLine(JsonLine.Write(w =>
                    {
                        w.WriteBoolean("ok", false);
                        w.WriteString("error", error.Kind.ToString());
                        w.WriteNumber("pc", error.Pc);
                        SourceJson.Write(w, source.Find(error.Pc));
                        w.WriteNumber("cu", result.ComputeUnits);
                        w.WriteString("message", error.Message);
                        Effects(w);
                    }));
                }
                else
                {
                    Console.WriteLine($"error: {error.Kind} at pc {error.Pc}{SourceJson.Suffix(source.Find(error.Pc))}: {error.Message}");
                    Console.WriteLine($"compute units: {result.ComputeUnits} ({engine}, {Milliseconds(elapsed)} ms)");
                }

                return ExitCodes.RuntimeError;
            }

            if (json)
            {
                Console.WriteLine(JsonLine.Write(w =>
                {
                    w.WriteBoolean("ok", true);
                    w.WriteString("r0", $"0x{result.R0:x}");
                    w.WriteNumber("cu", result.ComputeUnits);
                    Effects(w);
                }));
            }
            else
            {
                Console.WriteLine($"r0 = 0x{result.R0:x} ({(long)result.R0})");
                Console.WriteLine($"compute units: {result.ComputeUnits} ({engine}, {Milliseconds(elapsed)} ms)");
            }

            return ExitCodes.Ok;
        }

        public int Failure(string kind, string message, long? pc)
        {
            if (json)
            {
                Console.WriteLine(JsonLine.Write(w =>
                {
                    w.WriteBoolean("ok", false);
                    w.WriteString("error", kind);
                    if (pc is { } at)
                    {
                        w.WriteNumber("pc", at);
                    }

                    w.WriteNumber("cu", 0);
                    w.WriteString("message", message);
                }));
            }
            else
            {
                Console.Error.WriteLine($"{kind}: {message}");
            }

            return ExitCodes.Usage;
        }

        private static string Milliseconds(TimeSpan elapsed) =>
            elapsed.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
