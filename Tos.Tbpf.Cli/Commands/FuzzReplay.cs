using System.Globalization;
using System.Text.RegularExpressions;
using Tos.Tbpf.Fuzzing;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>
/// <c>tbpf fuzz --replay</c>: checks one input again, as the session that found it did. A program is named by its profile
/// and program seed (<c>tbpf:42</c>, or the line a program worker left in flight); an ELF object is a file (a finding's
/// <c>.o</c>, or the record an ELF worker left in flight) and is checked under every profile asked for. Findings are
/// written to <c>--out</c> as a session writes them; exit 0 when the input behaves, 1 when it does not, 2 when the
/// argument names nothing to check.
/// </summary>
internal static partial class FuzzReplay
{
    private const int MaxReplayBytes = 4 * Tos.Tbpf.Payloads.PayloadLimits.MaxElfLength;

    public static int Run(FuzzCommand.Settings settings, string what)
    {
        var verdicts = new List<string>();
        var findings = Replay(settings, what, verdicts);
        if (settings.Json)
        {
            Console.WriteLine(JsonLine.Write(w =>
            {
                w.WriteString("replayed", what);
                w.WriteNumber("findings", findings);
                w.WriteStartArray("verdicts");
                verdicts.ForEach(w.WriteStringValue);
                w.WriteEndArray();
            }));
        }
        else
        {
            verdicts.ForEach(Console.WriteLine);
        }

        return findings == 0 ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    /// <summary>Checks <paramref name="what"/>; returns the findings (written to --out), and a verdict per check.</summary>
    private static int Replay(FuzzCommand.Settings settings, string what, List<string> verdicts)
    {
        if (File.Exists(what))
        {
            // Reading a file whole is the check's own cost: bound it well above any input (objects stop at 1 MiB, records
            // add a header), so a huge file is a usage error rather than an allocation the size of the disk.
            if (new FileInfo(what).Length > MaxReplayBytes)
            {
                throw new CliFailure("UsageError", $"--replay {what}: {new FileInfo(what).Length} bytes is more than any fuzz input (at most {MaxReplayBytes})");
            }

            return InFlightInput.IsRecord(what) && InFlightInput.ReadLeftOver(what) is { } left
                ? ReplayElf(settings, left.Input, $"{what} ({left.Input.Length} bytes{(left.Whole ? "" : ", cut")})", verdicts)
                : ProgramLine().Match(ReadStart(what)) is { Success: true } line
                    ? ReplayProgram(settings, line.Groups["profile"].Value, line.Groups["seed"].Value, verdicts)
                    : ReplayElf(settings, File.ReadAllBytes(what), what, verdicts);
        }

        var parts = what.Split(':');
        return parts.Length == 2
            ? ReplayProgram(settings, parts[0], parts[1], verdicts)
            : throw new CliFailure("UsageError", $"--replay {what}: neither a file nor PROFILE:SEED");
    }

    private static int ReplayProgram(FuzzCommand.Settings settings, string profileName, string seedText, List<string> verdicts)
    {
        var profile = Profile.ByName(profileName) ?? throw new CliFailure("UsageError", $"--replay: no profile '{profileName}' ({string.Join(", ", Profile.Names)})");
        if (!int.TryParse(seedText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var programSeed))
        {
            throw new CliFailure("UsageError", $"--replay: '{seedText}' is not a program seed (a 32-bit whole number)");
        }

        if (!DifferentialRunner.JitAvailable)
        {
            throw new CliFailure("UsageError", "replaying a program needs the JIT, which this host cannot run");
        }

        var fuzzer = new DifferentialFuzzer(profile);
        var statistics = new FuzzStatistics();
        var mismatches = fuzzer.Check(programSeed, statistics);
        if (mismatches.Count > 0)
        {
            var smallest = Minimizer.Minimize(fuzzer, mismatches[0]);
            FuzzSession.WriteMismatch(settings.Out, profile, programSeed, smallest);
            verdicts.Add($"{profile.Name} program seed {programSeed}: the engines differ ({smallest.Fields})");
            return 1;
        }

        verdicts.Add(statistics.Rejected > 0
            ? $"{profile.Name} program seed {programSeed}: the verifier refuses the program it generates (no finding)"
            : $"{profile.Name} program seed {programSeed}: both engines agree in {statistics.Runs} runs (no finding)");
        return 0;
    }

    private static int ReplayElf(FuzzCommand.Settings settings, byte[] file, string name, List<string> verdicts)
    {
        var findings = 0;
        foreach (var profile in settings.Profiles)
        {
            var outcome = new ElfFuzzer([], profile).Check(file);
            if (outcome.Finding is not null)
            {
                findings++;
                FuzzSession.WriteElfFinding(settings.Out, profile, file, outcome);
                verdicts.Add($"{name} under {profile.Name}: at {outcome.Stage}, {outcome.Finding.Split('\n')[0]}");
            }
            else
            {
                verdicts.Add(outcome.Stage == "run"
                    ? $"{name} under {profile.Name}: loads, verifies and runs alike on both engines (no finding)"
                    : $"{name} under {profile.Name}: refused at {outcome.Stage} with the loader's or verifier's own error (no finding)");
            }
        }

        return findings;
    }

    // The first line of a text record, if the file has one (an object's bytes never start with "profile ").
    private static string ReadStart(string path)
    {
        Span<byte> start = stackalloc byte[96];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return System.Text.Encoding.ASCII.GetString(start[..read]);
    }

    [GeneratedRegex(@"^profile (?<profile>\w+), program seed (?<seed>-?\d+)")]
    private static partial Regex ProgramLine();
}
