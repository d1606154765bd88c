using NUnit.Framework;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>
/// The JIT's access windows (X64Compiler.EmitTranslate) are a cache of guest ranges found accessible. They live in a
/// run's context, so a window filled over one memory map must never let an access through in a run over another: a
/// smaller input, or another thread's run of the same compiled code.
/// </summary>
public sealed class AccessWindowTests
{
    // Loads the first word of the input (filling r1's load window with the whole input), then the word at 64.
    private const string Program = "ldxdw r0, [r1+0]\nldxdw r0, [r1+64]\nexit";

    [SetUp]
    public void RequireJit() => Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");

    private static byte[] Input(int length)
    {
        var input = new byte[length];
        input[64 % Math.Max(length, 1)] = 0x2a;
        return input;
    }

    private static string RunOnce(JitProgram compiled, VerifiedExecutable program, int inputLength) =>
        compiled.Run(MemoryMap.Standard(program.Executable, Input(inputLength)), 100).Describe();

    [Test]
    public void A_window_filled_over_a_large_input_does_not_serve_the_next_run_over_a_small_one()
    {
        var program = Vm.Load(Executable.FromAssembly(Program, Profile.Tbpf));
        using var compiled = JitProgram.Compile(program);
        Assert.That(RunOnce(compiled, program, 128), Is.EqualTo("Ok 0x2a, cu 3"));
        // Over 8 bytes the load at 64 is past the end: the window of the first run (128 bytes) must be gone.
        Assert.That(RunOnce(compiled, program, 8), Does.StartWith("AccessViolation at pc 1"));
        Assert.That(RunOnce(compiled, program, 128), Is.EqualTo("Ok 0x2a, cu 3"));
    }

    [Test]
    public void Parallel_runs_of_one_compiled_program_each_see_only_their_own_input()
    {
        var program = Vm.Load(Executable.FromAssembly(Program, Profile.Tbpf));
        using var compiled = JitProgram.Compile(program);
        var expected = new Dictionary<int, string>
        {
            [128] = RunOnce(compiled, program, 128),
            [72] = RunOnce(compiled, program, 72),
            [71] = RunOnce(compiled, program, 71),
            [8] = RunOnce(compiled, program, 8),
        };
        Assert.That(expected[72], Is.EqualTo("Ok 0x2a, cu 3"));
        Assert.That(expected[71], Does.StartWith("AccessViolation at pc 1"));
        var lengths = expected.Keys.ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (var i = 0; i < 500; i++)
            {
                var length = lengths[(worker + i) % lengths.Length];
                var outcome = RunOnce(compiled, program, length);
                if (outcome != expected[length])
                {
                    failures.Add($"input {length}: {outcome}");
                }
            }
        });
        Assert.That(failures, Is.Empty);
    }
}
