using NUnit.Framework;
using Tos.Tbpf.Fuzzing;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>The fuzz harness itself: it generates programs the verifier takes, it is reproducible from its seed, its
/// differential check sees a planted disagreement, a finding becomes a table test that runs, and the ELF mode refuses
/// mutants only with the loader's and verifier's own errors.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class FuzzingTests
{
    [TestCase("tbpf")]
    [TestCase("rfc9669")]
    [TestCase("sbpfv0")]
    [TestCase("sbpfv3")]
    public void Generated_programs_mostly_verify_and_reach_every_operation(string name)
    {
        var profile = Profile.ByName(name)!;
        var generator = new ProgramGenerator(profile);
        var syscalls = FuzzSyscalls.For(profile);
        var seen = new HashSet<Op>();
        var accepted = 0;
        for (var seed = 0; seed < 600; seed++)
        {
            var program = generator.Generate(new Random(seed));
            try
            {
                var verified = Vm.Load(Executable.FromBytecode(program.Bytecode, profile, syscalls));
                accepted++;
                seen.UnionWith(verified.Executable.Instructions.Select(i => i.Op));
            }
            catch (Verification.VerifierException)
            {
                // A miss of the generator; counted below.
            }
        }

        Assert.That(accepted, Is.GreaterThan(480), "at least 80 % verify");
        // sbpf V0 has no relative call: every call decodes as a call by key.
        var expected = OpcodeTable.All.Where(r => (r.Requires & profile.Features) == r.Requires).Select(r => r.Op)
            .Where(op => !(op == Op.CallLocal && profile.Calls == CallEncoding.SyscallOrFunctionHash));
        Assert.That(seen, Is.SupersetOf(expected), "every operation of the profile appears");
    }

    [Test]
    public void A_seed_reproduces_its_program()
    {
        var generator = new ProgramGenerator(Profile.Tbpf);
        var seed = DifferentialFuzzer.ProgramSeed(42, 1, 7);
        var first = generator.Generate(new Random(seed)).Bytecode;
        var again = new ProgramGenerator(Profile.Tbpf).Generate(new Random(seed)).Bytecode;
        Assert.That(again, Is.EqualTo(first));
        Assert.That(generator.Generate(new Random(seed + 1)).Bytecode, Is.Not.EqualTo(first), "another seed, another program");
    }

    [Test]
    public void A_workers_in_flight_record_names_its_program_until_the_worker_ends()
    {
        using var folder = new TempFolder();
        var record = InFlightRecord.Open(folder.Path, 3);
        record.Record("sbpfv3", -12345);
        record.Record("tbpf", 42);
        // Read while the worker still holds it, as CI does after a crash: the last program, whole, nothing left over.
        Assert.That(File.ReadAllText(record.Path).TrimEnd(), Is.EqualTo("profile tbpf, program seed 42"));
        record.Dispose();
        Assert.That(File.Exists(record.Path), Is.False, "a worker that ends normally leaves no record");
        Assert.That(Directory.Exists(folder.Path), Is.False, "nor an empty findings folder");
    }

    [Test]
    public void The_elf_fuzzers_in_flight_record_holds_the_whole_input_being_checked()
    {
        using var folder = new TempFolder();
        var record = InFlightInput.Open(folder.Path, 1, capacity: 64);
        record.Record([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var last = Enumerable.Range(0, 40).Select(i => (byte)(200 + i)).ToArray();
        record.Record(last);
        // Read while the worker still holds it, as after a crash: the last input exactly, not the longer one before it
        // nor anything after.
        Assert.That(InFlightInput.ReadLeftOver(record.Path), Is.EqualTo((last, true)));

        var tooLong = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        record.Record(tooLong);
        var cut = InFlightInput.ReadLeftOver(record.Path)!.Value;
        Assert.That((cut.Input, cut.Whole), Is.EqualTo((tooLong[..64], false)), "an input over the capacity is kept cut, and said to be");

        record.Dispose();
        Assert.That(File.Exists(record.Path), Is.False, "a worker that ends normally leaves no record");
        Assert.That(Directory.Exists(folder.Path), Is.False, "nor an empty findings folder");

        Directory.CreateDirectory(folder.Path);
        var stray = Path.Combine(folder.Path, ".inflight-elf-9");
        File.WriteAllBytes(stray, [1, 2, 3]);
        Assert.That(InFlightInput.ReadLeftOver(stray), Is.Null, "a file too short for the header is no record");
        File.WriteAllBytes(stray, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]);
        Assert.That(InFlightInput.ReadLeftOver(stray), Is.Null, "nor one with a negative length");
    }

    [Test]
    public void The_elf_fuzz_command_leaves_no_in_flight_record_when_it_ends_normally()
    {
        using var folder = new TempFolder();
        var run = CliRunner.Run(null, "fuzz", "--elf", "--seconds", "1", "--jobs", "2", "--seed", "5", "--out", folder.Path,
            "--corpus", Tos.Tbpf.Tests.Elf.Contracts.OutFolder, "--json");
        Assert.That(run.ExitCode, Is.Zero, run.StdErr);
        Assert.That(run.StdOut, Does.Contain("\"findings\":0"));
        Assert.That(Directory.Exists(folder.Path), Is.False, "no findings, no in-flight inputs left: no folder");
    }

    [Test]
    public void Replay_checks_one_program_seed_record_or_object_again()
    {
        Assume.That(DifferentialRunner.JitAvailable, "this host cannot run the JIT");
        using var folder = new TempFolder();
        var seed = CliRunner.Run(null, "fuzz", "--replay", "sbpfv3:-12345", "--out", folder.Path);
        Assert.That(seed.ExitCode, Is.Zero, seed.StdErr);
        Assert.That(seed.StdOut.TrimEnd(), Does.StartWith("sbpfv3 program seed -12345: ").And.EndWith("(no finding)"));

        // What a program worker that died leaves behind names the program: replaying the file checks that program.
        var record = InFlightRecord.Open(folder.Path, 0);
        record.Record("tbpf", 42);
        var line = CliRunner.Run(null, "fuzz", "--replay", record.Path, "--out", folder.Path);
        Assert.That(line.ExitCode, Is.Zero, line.StdErr);
        Assert.That(line.StdOut, Does.StartWith("tbpf program seed 42: "));
        record.Dispose();

        // And what an ELF worker leaves is the input itself: checked under the profiles asked for.
        var token = File.ReadAllBytes(Path.Combine(Tos.Tbpf.Tests.Elf.Contracts.OutFolder, "v3-O2", "token.o"));
        using (var input = InFlightInput.Open(folder.Path, 0, token.Length))
        {
            input.Record(token);
            var elf = CliRunner.Run(null, "fuzz", "--replay", input.Path, "--profile", "tbpf", "--out", folder.Path);
            Assert.That(elf.ExitCode, Is.Zero, elf.StdErr);
            Assert.That(elf.StdOut, Does.Contain($"({token.Length} bytes) under tbpf: loads, verifies and runs alike on both engines"));
        }

        var objectFile = CliRunner.Run(null, "fuzz", "--replay", Path.Combine(Tos.Tbpf.Tests.Elf.Contracts.OutFolder, "v3-O2", "token.o"),
            "--profile", "sbpfv0", "--out", folder.Path, "--json");
        Assert.That(objectFile.ExitCode, Is.Zero, objectFile.StdErr);
        using var summary = System.Text.Json.JsonDocument.Parse(objectFile.StdOut);
        Assert.That(summary.RootElement.GetProperty("findings").GetInt32(), Is.Zero);
        Assert.That(summary.RootElement.GetProperty("verdicts")[0].GetString(), Does.Contain("under sbpfv0: refused at load"),
            "a clang object is not an sbpf V0 .so");
        Assert.That(Directory.Exists(folder.Path) && Directory.EnumerateFiles(folder.Path).Any(), Is.False, "no finding was written");
    }

    [Test]
    public void A_new_session_keeps_the_records_a_session_that_died_left_in_flight()
    {
        Assume.That(DifferentialRunner.JitAvailable, "this host cannot run the JIT");
        using var folder = new TempFolder();
        // What two dead workers left: a program worker's line and an ELF worker's input (held open here, as by a process
        // that never closed them; their files are only deleted by a normal end, which renamed files survive). They are
        // named for a process that cannot be running (Linux process ids stay below 2^22).
        const int deadSession = int.MaxValue - 1;
        using var line = InFlightRecord.Open(folder.Path, 0, deadSession);
        line.Record("tbpf", 42);
        var token = File.ReadAllBytes(Path.Combine(Tos.Tbpf.Tests.Elf.Contracts.OutFolder, "v3-O2", "token.o"));
        using var input = InFlightInput.Open(folder.Path, 1, token.Length, deadSession);
        input.Record(token);
        var leftLine = File.ReadAllBytes(line.Path);
        var leftInput = File.ReadAllBytes(input.Path);

        var run = CliRunner.Run(null, "fuzz", "--seconds", "1", "--jobs", "2", "--seed", "5", "--out", folder.Path, "--json");
        Assert.That(run.ExitCode, Is.Zero, run.StdErr);
        Assert.That(run.StdErr, Does.Contain($"warning: a session that died left died-inflight-{deadSession}-0-")
            .And.Contain($"died-inflight-elf-{deadSession}-1-"));
        var kept = Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.That(kept, Has.Count.EqualTo(2).And.All.StartWith("died-inflight-"), "kept under new names; the new session's own records are gone");
        Assert.That(File.ReadAllBytes(Path.Combine(folder.Path, kept[0]!)), Is.EqualTo(leftLine));
        Assert.That(File.ReadAllBytes(Path.Combine(folder.Path, kept[1]!)), Is.EqualTo(leftInput));

        var replay = CliRunner.Run(null, "fuzz", "--replay", Path.Combine(folder.Path, kept[1]!), "--profile", "tbpf", "--out", folder.Path);
        Assert.That(replay.ExitCode, Is.Zero, replay.StdErr);
        Assert.That(replay.StdOut, Does.Contain($"({token.Length} bytes) under tbpf: loads, verifies and runs alike"));
    }

    [Test]
    public void Sessions_sharing_a_folder_leave_each_others_running_records_alone()
    {
        Assume.That(DifferentialRunner.JitAvailable, "this host cannot run the JIT");
        using var folder = new TempFolder();
        // This test process stands for a session still running: its workers' records, named for it, are in flight.
        using var line = InFlightRecord.Open(folder.Path, 0);
        line.Record("tbpf", 7);
        var token = File.ReadAllBytes(Path.Combine(Tos.Tbpf.Tests.Elf.Contracts.OutFolder, "v3-O2", "token.o"));
        using var input = InFlightInput.Open(folder.Path, 0, token.Length);
        input.Record(token);
        var (lineBytes, inputBytes) = (File.ReadAllBytes(line.Path), File.ReadAllBytes(input.Path));

        // A second session with the same worker numbers, in the same folder, at the same time.
        var run = CliRunner.Run(null, "fuzz", "--seconds", "1", "--jobs", "2", "--seed", "6", "--out", folder.Path, "--json");
        Assert.That(run.ExitCode, Is.Zero, run.StdErr);
        Assert.That(run.StdErr, Does.Not.Contain("died"), "a running session's records are not taken for a dead one's");
        var names = Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.That(names, Is.EqualTo(new[] { Path.GetFileName(line.Path), Path.GetFileName(input.Path) }),
            "the running session's two records, untouched; the other session's own are gone");
        Assert.That(File.ReadAllBytes(line.Path), Is.EqualTo(lineBytes));
        Assert.That(File.ReadAllBytes(input.Path), Is.EqualTo(inputBytes));
        Assert.That(InFlightRecord.ProcessOf(Path.GetFileName(line.Path)!), Is.EqualTo(Environment.ProcessId));
        Assert.That(InFlightRecord.ProcessOf(Path.GetFileName(input.Path)!), Is.EqualTo(Environment.ProcessId));
        Assert.That(InFlightRecord.ProcessOf(".inflight-3"), Is.Null, "a name without a process (an older session's) is a leftover");
    }

    [TestCase("nosuch", "neither a file nor PROFILE:SEED")]
    [TestCase("tbpf:x", "not a program seed")]
    [TestCase("tbpf:99999999999", "not a program seed")]
    [TestCase("bogus:1", "no profile 'bogus'")]
    [TestCase("huge", "more than any fuzz input")]
    public void Replay_of_nothing_checkable_is_a_usage_error(string what, string message)
    {
        using var folder = new TempFolder();
        if (what == "huge")
        {
            // A sparse file far larger than any input: refused before it is read.
            Directory.CreateDirectory(folder.Path);
            what = Path.Combine(folder.Path, "huge.o");
            using var file = File.Create(what);
            file.SetLength(5L << 30);
        }

        var run = CliRunner.Run(null, "fuzz", "--replay", what);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.StdOut + run.StdErr);
        Assert.That(run.StdErr, Does.Contain(message).And.Not.Contain("   at "));
    }

    [Test]
    public void The_fuzz_command_runs_clean_and_refuses_an_out_folder_it_cannot_write()
    {
        Assume.That(DifferentialRunner.JitAvailable, "this host cannot run the JIT");
        using var folder = new TempFolder();
        var run = CliRunner.Run(null, "fuzz", "--seconds", "1", "--jobs", "2", "--seed", "5", "--out", folder.Path, "--json");
        Assert.That(run.ExitCode, Is.Zero, run.StdErr);
        Assert.That(run.StdOut, Does.Contain("\"mismatches\":0"));
        Assert.That(Directory.Exists(folder.Path), Is.False, "no findings, no in-flight records left: no folder");

        // --out naming a file: a usage error (exit 2) that says why, not a worker thread's crash.
        Directory.CreateDirectory(folder.Path);
        var file = Path.Combine(folder.Path, "a-file");
        File.WriteAllText(file, "");
        var refused = CliRunner.Run(null, "fuzz", "--seconds", "1", "--out", file, "--json");
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.StdOut + refused.StdErr);
        Assert.That(refused.StdOut + refused.StdErr, Does.Contain("--out").And.Not.Contain("   at "));
    }

    [Test]
    public void Program_seeds_are_the_same_in_every_process()
    {
        // Values from an independent SplitMix64 computation (Python): a per-process salt, as HashCode has, would
        // make a session's programs differ between CI and a developer replaying its seed.
        Assert.That(DifferentialFuzzer.ProgramSeed(42, 1, 7), Is.EqualTo(47644663));
        Assert.That(DifferentialFuzzer.ProgramSeed(20261125, 0, 0), Is.EqualTo(-522370103));
        Assert.That(SeedMix.Derive(20261125, 1, -1), Is.EqualTo(78383596));
    }

    [Test]
    public void The_differential_check_finds_no_mismatch_in_a_few_hundred_programs()
    {
        Assume.That(DifferentialRunner.JitAvailable, "this host cannot run the JIT");
        var statistics = new FuzzStatistics();
        foreach (var profile in new[] { Profile.Tbpf, Profile.Rfc9669, Profile.SbpfV0, Profile.SbpfV3 })
        {
            var fuzzer = new DifferentialFuzzer(profile);
            for (var i = 0; i < 150; i++)
            {
                Assert.That(fuzzer.Check(DifferentialFuzzer.ProgramSeed(99, 0, i), statistics), Is.Empty);
            }
        }

        Assert.That(statistics.Runs, Is.GreaterThan(1000));
        Assert.That(statistics.Outcomes.Keys, Is.SupersetOf(new[] { "Ok", "AccessViolation", "ComputeBudgetExceeded" }));
    }

    [Test]
    public void A_disagreement_is_seen_minimized_and_written_as_a_table_test_that_runs()
    {
        // Two snapshots that differ in r0 make a mismatch; the writer turns the interpreter's side into the expectation.
        var bytecode = Assembly.Assembler.AssembleBytes("mov r0, 7\nmov r1, 3\nadd r0, r1\nexit");
        var interpreter = new RunSnapshot("Ok 0xa, cu 4 r0=0xa", "r0=0xa", "", "");
        var jit = new RunSnapshot("Ok 0xb, cu 4 r0=0xb", "r0=0xb", "", "");
        var mismatch = new Mismatch(bytecode, [], Profile.Tbpf, new FuzzRun(100, new Tos.Tbpf.Jit.JitOptions(Seed: 1)), interpreter, jit);
        Assert.That(mismatch.Fields, Is.EqualTo("result, registers"));

        using var temp = new TempFolder();
        var path = FindingWriter.Write(temp.Path, "finding", mismatch, 5);
        var test = DataFile.Parse("finding", File.ReadAllText(path));
        Assert.That((test.Result, test.ComputeUnits, test.Budget, test.ProfileName), Is.EqualTo(((ulong?)0xa, (ulong?)4, (ulong?)100, "tbpf")));
        var executable = Executable.FromAssembly(test.Asm!, test.Profile, Cli.StandardSyscalls.For(test.Profile));
        Assert.That(AllEngines.Run(executable, test.Memory, test.Budget!.Value).Result.Describe(), Is.EqualTo("Ok 0xa, cu 4"));
    }

    [Test]
    public void Mutated_objects_give_only_loader_and_verifier_errors()
    {
        var seeds = Elf.Contracts.Variants.Select(v => Elf.Contracts.Bytes(v, "token")).ToList();
        var fuzzer = new ElfFuzzer(seeds);
        fuzzer.Check(seeds[0]);
        var random = new Random(3);
        for (var i = 0; i < 3000; i++)
        {
            var file = fuzzer.Mutate(random);
            var outcome = fuzzer.Check(file);
            Assert.That(outcome.Finding, Is.Null, $"input {i} ({file.Length} bytes) at {outcome.Stage}");
        }
    }
}
