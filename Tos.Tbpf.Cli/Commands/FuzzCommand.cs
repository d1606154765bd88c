using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Tos.Tbpf.Fuzzing;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf fuzz</c>: the differential fuzz harness (generated programs, interpreter against JIT, every observable), or with
/// <c>--elf</c> the raw mode (mutated ELF objects through loader, verifier and engines). Findings are minimized and
/// written to <c>--out</c>; the exit code is 0 with none, 1 with findings, 2 on bad usage.
/// </summary>
internal static class FuzzCommand
{
    public static Command Create()
    {
        var seconds = new Option<string?>("--seconds") { Description = "How long to run (default 60)." };
        var seed = new Option<string?>("--seed") { Description = "The session seed (default: random, printed); a seed reproduces a session." };
        var profile = new Option<string>("--profile") { Description = "tbpf, rfc9669, sbpfv0, sbpfv3, sbpfv4 or all (default all).", DefaultValueFactory = _ => "all" };
        profile.AcceptOnlyFromAmong([.. Profile.Names, "all"]);
        var jobs = new Option<string?>("--jobs") { Description = "Worker threads (default: one per core)." };
        var corpus = new Option<DirectoryInfo?>("--corpus")
        {
            Description = "With --elf, the ELF objects to mutate (default: native-contracts/out if it is here). Otherwise programs that reached a new operation are saved there.",
        };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Where findings are written (default ./fuzz-findings)." };
        var elf = new Option<bool>("--elf") { Description = "Fuzz the loader with mutated ELF objects instead." };
        var json = new Option<bool>("--json") { Description = "No live display; print one JSON summary." };
        var replay = new Option<string?>("--replay")
        {
            Description = "Check one input again instead of fuzzing: PROFILE:SEED (a program seed), a worker's in-flight record "
                + "left in --out by a session that died, or an ELF object (checked under every --profile).",
        };
        var command = new Command("fuzz", "Differential fuzzing: generated programs on the interpreter and the JIT, every observable compared.")
        {
            seconds, seed, profile, jobs, corpus, output, elf, json, replay,
        };
        command.SetAction(parse =>
        {
            try
            {
                var settings = new Settings(
                    Number(parse.GetValue(seconds), "--seconds", 60, 1, 7 * 24 * 3600),
                    parse.GetValue(seed) is { } s ? (int)Number(s, "--seed", 0, int.MinValue, int.MaxValue) : Random.Shared.Next(),
                    parse.GetValue(profile) is "all" or null
                        ? [.. Profile.Names.Select(n => Profile.ByName(n)!)]
                        : [Profile.ByName(parse.GetValue(profile)!)!],
                    (int)Number(parse.GetValue(jobs), "--jobs", Environment.ProcessorCount, 1, 256),
                    parse.GetValue(corpus)?.FullName,
                    parse.GetValue(output)?.FullName ?? Path.GetFullPath("fuzz-findings"),
                    parse.GetValue(json));
                if (parse.GetValue(replay) is { } what)
                {
                    return FuzzReplay.Run(settings, what);
                }

                if (!DifferentialRunner.JitAvailable && !parse.GetValue(elf))
                {
                    throw new CliFailure("UsageError", "the differential fuzzer needs the JIT, which this host cannot run");
                }

                return parse.GetValue(elf) ? FuzzSession.RunElf(settings) : FuzzSession.RunPrograms(settings);
            }
            catch (CliFailure failure)
            {
                Console.Error.WriteLine($"{failure.Kind}: {failure.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static long Number(string? text, string option, long fallback, long minimum, long maximum)
    {
        if (text is null)
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw new CliFailure("UsageError", $"{option}: expected a whole number from {minimum} to {maximum}");
    }

    internal sealed record Settings(long Seconds, int Seed, Profile[] Profiles, int Jobs, string? Corpus, string Out, bool Json);
}

/// <summary>The fuzz loops, their progress display and their summary.</summary>
internal static class FuzzSession
{
    public static int RunPrograms(FuzzCommand.Settings settings)
    {
        var fuzzers = settings.Profiles.Select(p => new DifferentialFuzzer(p)).ToArray();
        var statistics = new FuzzStatistics();
        var findings = 0;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(settings.Seconds);
        var gate = new Lock();
        if (!settings.Json)
        {
            Console.Error.WriteLine($"tbpf fuzz: seed {settings.Seed}, {settings.Jobs} job(s), {string.Join(", ", settings.Profiles.Select(p => p.Name))}, {settings.Seconds} s; findings go to {settings.Out}");
        }

        // Opened here, not in the workers: an --out that cannot be written is a clear usage error, not a worker's crash.
        InFlightRecord[] records;
        try
        {
            KeepLeftOvers(settings.Out);
            records = Enumerable.Range(0, settings.Jobs).Select(job => InFlightRecord.Open(settings.Out, job)).ToArray();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure("UsageError", $"--out {settings.Out}: cannot write there ({exception.Message})");
        }

        void Worker(int job)
        {
            using var inFlight = records[job];
            for (long index = 0; clock.Elapsed < deadline; index++)
            {
                var fuzzer = fuzzers[index % fuzzers.Length];
                var programSeed = DifferentialFuzzer.ProgramSeed(settings.Seed, job, index);
                inFlight.Record(fuzzer.Profile.Name, programSeed);
                var coverageBefore = statistics.Operations.Count;
                List<Mismatch> mismatches;
                try
                {
                    mismatches = fuzzer.Check(programSeed, statistics);
                }
                catch (Exception exception)
                {
                    // The harness itself (or an engine) threw: a finding too, reproducible from the program seed.
                    lock (gate)
                    {
                        findings++;
                        Directory.CreateDirectory(settings.Out);
                        var path = Path.Combine(settings.Out, $"exception-{fuzzer.Profile.Name}-{(uint)programSeed:x8}.txt");
                        File.WriteAllText(path, $"profile {fuzzer.Profile.Name}, program seed {programSeed}\n{exception}\n");
                        Console.Error.WriteLine($"EXCEPTION {exception.GetType().Name}: {exception.Message} (written to {path})");
                    }

                    continue;
                }

                foreach (var mismatch in mismatches.Take(1))
                {
                    var smallest = Minimizer.Minimize(fuzzer, mismatch);
                    lock (gate)
                    {
                        findings++;
                        WriteMismatch(settings.Out, fuzzer.Profile, programSeed, smallest);
                    }
                }

                if (settings.Corpus is { } corpus && statistics.Operations.Count > coverageBefore)
                {
                    Directory.CreateDirectory(corpus);
                    File.WriteAllText(Path.Combine(corpus, $"program-{(uint)programSeed:x8}.seed"), $"{fuzzer.Profile.Name} {programSeed}\n");
                }
            }
        }

        var threads = Enumerable.Range(0, settings.Jobs).Select(job => new Thread(() => Worker(job)) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        var operations = fuzzers.Max(f => f.OperationCount);
        Display(settings, clock, threads, () =>
            $"programs {statistics.Programs} ({statistics.Programs / Math.Max(clock.Elapsed.TotalSeconds, 0.001):0}/s), runs {statistics.Runs}, "
            + $"operations {statistics.Operations.Count}/{operations}, outcomes {statistics.Outcomes.Count} "
            + $"({string.Join(", ", statistics.Outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}), mismatches {statistics.Mismatches}, "
            + $"refused by the verifier {statistics.Rejected}");
        var elapsed = clock.Elapsed.TotalSeconds;
        if (settings.Json)
        {
            Console.WriteLine(JsonLine.Write(w =>
            {
                w.WriteNumber("programs", statistics.Programs);
                w.WriteNumber("runs", statistics.Runs);
                w.WriteNumber("mismatches", statistics.Mismatches);
                w.WriteNumber("exceptions", findings - Math.Min(findings, statistics.Mismatches));
                w.WriteNumber("seconds", Math.Round(elapsed, 1));
                w.WriteNumber("opcodes", statistics.Operations.Count);
                w.WriteNumber("errorKinds", statistics.Outcomes.Keys.Count(k => k != "Ok"));
                w.WriteNumber("seed", settings.Seed);
                w.WriteNumber("programsPerSecondPerJob", Math.Round(statistics.Programs / elapsed / settings.Jobs, 1));
            }));
        }

        return statistics.Mismatches == 0 && findings == 0 ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    public static int RunElf(FuzzCommand.Settings settings)
    {
        var seeds = Seeds(settings.Corpus);
        // The clang objects under tbpf, and Solana .so seeds under each sbpf profile asked for; inputs go round the fuzzers.
        var fuzzers = new List<ElfFuzzer> { new(seeds) };
        foreach (var profile in settings.Profiles.Where(p => p.SbpfElfFlags is not null))
        {
            fuzzers.Add(new ElfFuzzer(profile.StrictElfHeaders ? Fuzzing.Solana.SolanaSeeds.Strict(profile.SbpfElfFlags!.Value)
                : Fuzzing.Solana.SolanaSeeds.V0(), profile));
        }

        long inputs = 0, findings = 0;
        var stages = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(settings.Seconds);
        var gate = new Lock();
        if (!settings.Json)
        {
            Console.Error.WriteLine($"tbpf fuzz --elf: seed {settings.Seed}, {settings.Jobs} job(s), {seeds.Count} seed object(s) under tbpf"
                + $"{string.Concat(fuzzers.Skip(1).Select(f => $", .so seeds under {f.Profile.Name}"))}, {settings.Seconds} s; findings go to {settings.Out}");
            if (seeds.Count == 0)
            {
                // Without real objects to mutate almost nothing gets past the ELF header: say so rather than look busy.
                Console.Error.WriteLine("warning: no seed objects (none given with --corpus, and no native-contracts/out here): only random bytes will be tried, which rarely get past the ELF header");
            }
        }

        // As for programs: opened here, so that an --out that cannot be written is a usage error.
        InFlightInput[] records;
        try
        {
            // Mutations never lengthen an object, and random inputs stay under 600 bytes.
            var capacity = Math.Max(600, seeds.Concat(fuzzers.SelectMany(f => f.Seeds)).Select(s => s.Length).DefaultIfEmpty(0).Max());
            KeepLeftOvers(settings.Out);
            records = Enumerable.Range(0, settings.Jobs).Select(job => InFlightInput.Open(settings.Out, job, capacity)).ToArray();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure("UsageError", $"--out {settings.Out}: cannot write there ({exception.Message})");
        }

        void Worker(int job)
        {
            using var inFlight = records[job];
            var random = new Random(SeedMix.Derive(settings.Seed, job, -1));
            // One unmeasured input first per fuzzer: the first load on a thread pays one-time initialization (tables,
            // pools) that the allocation bound must not blame on an input.
            foreach (var warmUp in fuzzers)
            {
                var input = warmUp.Mutate(new Random(job));
                inFlight.Record(input);
                warmUp.Check(input);
            }

            for (var turn = 0L; clock.Elapsed < deadline; turn++)
            {
                var fuzzer = fuzzers[(int)(turn % fuzzers.Count)];
                byte[]? file = null;
                ElfOutcome outcome;
                try
                {
                    file = fuzzer.Mutate(random);
                    inFlight.Record(file);
                    outcome = fuzzer.Check(file);
                }
                catch (Exception exception)
                {
                    // Check contains the API's exceptions itself: one out here is the harness's own bug, still a finding,
                    // kept with the input that provoked it when there is one.
                    outcome = new ElfOutcome($"the harness threw {exception}", file is null ? "mutate" : "check");
                    file ??= [];
                }

                Interlocked.Increment(ref inputs);
                stages.AddOrUpdate(outcome.Stage, 1, (_, n) => n + 1);
                if (outcome.Finding is not null)
                {
                    lock (gate)
                    {
                        findings++;
                        WriteElfFinding(settings.Out, fuzzer.Profile, file, outcome);
                    }
                }
            }
        }

        var threads = Enumerable.Range(0, settings.Jobs).Select(job => new Thread(() => Worker(job)) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        Display(settings, clock, threads, () =>
            $"inputs {Interlocked.Read(ref inputs)} ({Interlocked.Read(ref inputs) / Math.Max(clock.Elapsed.TotalSeconds, 0.001):0}/s), reached "
            + $"{string.Join(", ", stages.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"))}, findings {Interlocked.Read(ref findings)}");
        if (settings.Json)
        {
            Console.WriteLine(JsonLine.Write(w =>
            {
                w.WriteNumber("inputs", inputs);
                w.WriteNumber("findings", findings);
                w.WriteNumber("seconds", Math.Round(clock.Elapsed.TotalSeconds, 1));
                w.WriteNumber("loaded", stages.GetValueOrDefault("verify") + stages.GetValueOrDefault("run"));
                w.WriteNumber("ran", stages.GetValueOrDefault("run"));
                w.WriteNumber("seed", settings.Seed);
            }));
        }

        return findings == 0 ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    /// <summary>Keeps what a session that died left in flight, and says so: the new workers' records take the same names.</summary>
    private static void KeepLeftOvers(string folder)
    {
        foreach (var kept in InFlightRecord.KeepLeftOvers(folder))
        {
            Console.Error.WriteLine($"warning: a session that died left {Path.GetFileName(kept)} in flight (kept; replay: tbpf fuzz --replay {kept})");
        }
    }

    /// <summary>Writes a minimized mismatch as a table test to <paramref name="folder"/> and says so.</summary>
    public static void WriteMismatch(string folder, Profile profile, int programSeed, Mismatch smallest)
    {
        var path = FindingWriter.Write(folder, $"mismatch-{profile.Name}-{(uint)programSeed:x8}", smallest, programSeed);
        Console.Error.WriteLine($"MISMATCH ({smallest.Fields}) written to {path}");
    }

    /// <summary>Writes an ELF input that misbehaved, and what it did, to <paramref name="folder"/> and says so.</summary>
    public static void WriteElfFinding(string folder, Profile profile, byte[] file, ElfOutcome outcome)
    {
        Directory.CreateDirectory(folder);
        var name = $"elf-{profile.Name}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file))[..16]}";
        File.WriteAllBytes(Path.Combine(folder, name + ".o"), file);
        File.WriteAllText(Path.Combine(folder, name + ".txt"), $"stage {outcome.Stage}: {outcome.Finding}\n");
        Console.Error.WriteLine($"FINDING at {outcome.Stage}: {outcome.Finding!.Split('\n')[0]} ({name}.o)");
    }

    /// <summary>Live progress on a terminal; a line every ten seconds when the output is redirected; nothing with --json.</summary>
    private static void Display(FuzzCommand.Settings settings, Stopwatch clock, List<Thread> threads, Func<string> status)
    {
        if (settings.Json)
        {
            threads.ForEach(t => t.Join());
            return;
        }

        if (Console.IsErrorRedirected || Console.IsOutputRedirected)
        {
            var next = TimeSpan.FromSeconds(10);
            while (threads.Any(t => t.IsAlive))
            {
                Thread.Sleep(200);
                if (clock.Elapsed >= next)
                {
                    Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds:0}s] {status()}");
                    next += TimeSpan.FromSeconds(10);
                }
            }

            Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds:0}s] done: {status()}");
            return;
        }

        AnsiConsole.Status().Start("fuzzing", context =>
        {
            while (threads.Any(t => t.IsAlive))
            {
                context.Status(Markup.Escape($"[{clock.Elapsed.TotalSeconds:0}/{settings.Seconds}s] {status()}"));
                Thread.Sleep(250);
            }
        });
        AnsiConsole.MarkupLine(Markup.Escape($"done: {status()}"));
    }

    /// <summary>The objects to mutate: the corpus folder's files, else native-contracts/out below the working folder.</summary>
    private static List<byte[]> Seeds(string? corpus)
    {
        var folder = corpus ?? Path.Combine(Directory.GetCurrentDirectory(), "native-contracts", "out");
        if (!Directory.Exists(folder))
        {
            if (corpus is not null)
            {
                throw new CliFailure("UsageError", $"--corpus: no folder '{corpus}'");
            }

            return [];
        }

        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).Length is > 0 and <= 1024 * 1024).OrderBy(f => f, StringComparer.Ordinal).Take(256)
            .Select(File.ReadAllBytes).ToList();
    }
}
