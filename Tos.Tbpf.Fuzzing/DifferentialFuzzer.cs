using System.Collections.Concurrent;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf.Fuzzing;

/// <summary>Counters a fuzzing session shares between its workers.</summary>
public sealed class FuzzStatistics
{
    private long _programs, _runs, _rejected, _mismatches;

    /// <summary>Programs checked.</summary>
    public long Programs => Interlocked.Read(ref _programs);

    /// <summary>Engine runs compared (each against the interpreter's).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Generated programs the verifier refused (the generator's misses; not findings).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Disagreements found.</summary>
    public long Mismatches => Interlocked.Read(ref _mismatches);

    /// <summary>Operations that appeared in checked programs.</summary>
    public ConcurrentDictionary<Op, bool> Operations { get; } = new();

    /// <summary>How runs ended: <c>Ok</c> or an error kind.</summary>
    public ConcurrentDictionary<string, long> Outcomes { get; } = new();

    internal void Program() => Interlocked.Increment(ref _programs);

    internal void Run() => Interlocked.Increment(ref _runs);

    internal void Reject() => Interlocked.Increment(ref _rejected);

    internal void Mismatch() => Interlocked.Increment(ref _mismatches);
}

/// <summary>
/// The differential fuzzer: generated programs, each run on the interpreter and on the JIT with hardening on (a random
/// seed) and off, at its full budget and at budgets that end it early (one short of its total, and random points), every
/// observable compared. Reproducible: program <c>i</c> of worker <c>w</c> comes from a seed derived from the session's.
/// </summary>
public sealed class DifferentialFuzzer(Profile profile)
{
    private readonly ProgramGenerator _generator = new(profile);
    private readonly DifferentialRunner _runner = new(profile);
    private readonly Syscalls.SyscallRegistry _syscalls = FuzzSyscalls.For(profile);

    /// <summary>The profile programs are generated for.</summary>
    public Profile Profile => profile;

    /// <summary>The operations the generator can emit.</summary>
    public int OperationCount => _generator.OperationCount;

    /// <summary>The seed of program <paramref name="index"/> of worker <paramref name="worker"/> in session <paramref name="seed"/>.</summary>
    public static int ProgramSeed(int seed, int worker, long index) => SeedMix.Derive(seed, worker, index);

    /// <summary>Generates and checks one program; returns its mismatches (none, usually).</summary>
    public List<Mismatch> Check(int programSeed, FuzzStatistics statistics)
    {
        var random = new Random(programSeed);
        var generated = _generator.Generate(random);
        VerifiedExecutable program;
        try
        {
            program = Vm.Load(Executable.FromBytecode(generated.Bytecode, profile, _syscalls));
        }
        catch (VerifierException)
        {
            statistics.Reject();
            return [];
        }

        statistics.Program();
        foreach (var instruction in program.Executable.Instructions)
        {
            if (instruction.Op is not (Op.LddwTail or Op.Invalid))
            {
                statistics.Operations.TryAdd(instruction.Op, true);
            }
        }

        var full = (ulong)random.Next(200, 20_000);
        var fullRun = _runner.Interpret(program, generated.Input, full, out var result);
        statistics.Outcomes.AddOrUpdate(result.Error?.Kind.ToString() ?? "Ok", 1, (_, n) => n + 1);
        var used = result.ComputeUnits;
        var budgets = new List<ulong> { full, used, used == 0 ? 0 : used - 1, (ulong)random.NextInt64(0, (long)used + 1), 0 }.Distinct().ToList();
        var mismatches = new List<Mismatch>();
        foreach (var options in new[] { new JitOptions(Seed: random.Next()), new JitOptions(BlindConstants: false, NopInsertion: false) })
        {
            using var compiled = JitProgram.Compile(program, options);
            foreach (var budget in budgets)
            {
                var expected = budget == full ? fullRun : _runner.Interpret(program, generated.Input, budget, out _);
                var actual = _runner.Compiled(compiled, generated.Input, budget);
                statistics.Run();
                if (expected.Differences(actual).Any())
                {
                    statistics.Mismatch();
                    mismatches.Add(new Mismatch(generated.Bytecode, generated.Input, profile, new FuzzRun(budget, options), expected, actual));
                }
            }
        }

        return mismatches;
    }

    /// <summary>Whether <paramref name="bytecode"/> still shows a mismatch under <paramref name="run"/> (false if it no longer verifies).</summary>
    public Mismatch? Recheck(byte[] bytecode, byte[] input, FuzzRun run)
    {
        VerifiedExecutable program;
        try
        {
            program = Vm.Load(Executable.FromBytecode(bytecode, profile, _syscalls));
        }
        catch (VerifierException)
        {
            return null;
        }

        var expected = _runner.Interpret(program, input, run.Budget, out _);
        using var compiled = JitProgram.Compile(program, run.JitOptions);
        var actual = _runner.Compiled(compiled, input, run.Budget);
        return expected.Differences(actual).Any() ? new Mismatch(bytecode, input, profile, run, expected, actual) : null;
    }
}
