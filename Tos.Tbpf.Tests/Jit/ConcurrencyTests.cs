using NUnit.Framework;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>One compiled program, many threads, each with its own memory.</summary>
public sealed class ConcurrencyTests
{
    [Test]
    public void Many_threads_run_one_compiled_program()
    {
        Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");
        // Sums the input bytes through the stack: each thread's input gives its own answer.
        var program = Vm.Load(Executable.FromAssembly("""
            mov r0, 0
            loop:
            jeq r2, 0, done
            ldxb r3, [r1+0]
            stxdw [r10-8], r3
            ldxdw r4, [r10-8]
            add r0, r4
            add r1, 1
            sub r2, 1
            ja loop
            done:
            exit
            """, Profile.Tbpf));
        var failures = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var input = Enumerable.Range(0, 100 + i).Select(b => (byte)(b * i)).ToArray();
            var expected = input.Aggregate(0UL, (sum, b) => sum + b);
            for (var round = 0; round < 20; round++)
            {
                var memory = MemoryMap.Standard(program.Executable.ProgramRegion, input, Profile.Tbpf);
                var result = Engines.Jit!.Run(program, memory, 1_000_000);
                if (result.R0 != expected || !result.IsOk)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        Assert.That(failures, Is.Zero);
    }
}

/// <summary>Many compilations at once: they share the process's x86 form cache and instruction templates, which the
/// first compilation of each key fills (threads race to record the same template).</summary>
public sealed class ConcurrentCompileTests
{
    [Test]
    public void Programs_compiled_on_many_threads_at_once_agree_with_the_interpreter([Values("tbpf", "rfc9669")] string profileName)
    {
        Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");
        var profile = Profile.ByName(profileName)!;
        var syscalls = new Syscalls.SyscallRegistry();
        // Arithmetic-heavy random programs over all registers and immediates (many template keys), each compiled and
        // run on its own thread while seven others do the same; every run is checked against the interpreter.
        var programs = Enumerable.Range(1, 64)
            .Select(seed => Executable.FromBytecode(Isa.Encoder.Encode(new Support.RandomPrograms(seed * 7919, profile, syscalls).Next(150)),
                profile, syscalls))
            .ToArray();
        var disagreements = new System.Collections.Concurrent.ConcurrentBag<string>();
        var compiledCount = 0;
        Parallel.ForEach(programs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, executable =>
        {
            var program = Vm.Load(executable);
            Interlocked.Increment(ref compiledCount);
            using var compiled = Tos.Tbpf.Jit.JitProgram.Compile(program);
            var interpreted = Engines.Interpreter.Run(program, MemoryMap.Standard(executable, [1, 2, 3, 4]), 5_000);
            var jitted = compiled.Run(MemoryMap.Standard(executable, [1, 2, 3, 4]), 5_000);
            if (jitted.Describe() != interpreted.Describe() || jitted.R0 != interpreted.R0)
            {
                disagreements.Add($"{interpreted.Describe()} / {jitted.Describe()}");
            }
        });

        Assert.That(disagreements, Is.Empty);
        Assert.That(compiledCount, Is.EqualTo(programs.Length));
    }
}

/// <summary>Disposing compiled code while runs are inside it: the code stays mapped until the last run leaves, and a
/// run that starts after disposal is refused. (Unmapping live code would crash the process.)</summary>
public sealed class CodeLifetimeTests
{
    [Test]
    public void Dispose_from_inside_a_run_waits_for_the_run_to_leave()
    {
        Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");
        Tos.Tbpf.Jit.JitProgram? compiled = null;
        var syscalls = new Syscalls.SyscallRegistry().Register("dispose_me", (_, _, _, _, _, _) =>
        {
            compiled!.Dispose();
            return 7;
        });
        var program = Vm.Load(Executable.FromAssembly("syscall dispose_me\nadd r0, 1\nmov r1, 0\nloop:\nadd r1, 1\njne r1, 1000, loop\nexit",
            Profile.Tbpf, syscalls));
        compiled = Tos.Tbpf.Jit.JitProgram.Compile(program);

        var result = compiled.Run(MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf), 1_000_000);

        Assert.That(result.Describe(), Is.EqualTo("Ok 0x8, cu 2004"), "the rest of the code ran after Dispose");
        Assert.That(compiled.IsReleased, Is.True, "and the last run out unmapped it");
        Assert.Throws<ObjectDisposedException>(() => compiled.Run(MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf), 10));
    }

    [Test]
    public void Disposing_while_many_threads_run_never_unmaps_live_code()
    {
        Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");
        var program = Vm.Load(Executable.FromAssembly("mov r0, 0\nloop:\nadd r0, 1\njne r0, 20000, loop\nexit", Profile.Tbpf));
        for (var round = 0; round < 20; round++)
        {
            var compiled = Tos.Tbpf.Jit.JitProgram.Compile(program);
            var ran = 0;
            var refused = 0;
            using var start = new Barrier(5);
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < 50; i++)
                {
                    try
                    {
                        var result = compiled.Run(MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf), 1_000_000);
                        Assert.That(result.Describe(), Is.EqualTo("Ok 0x4e20, cu 40002"));
                        Interlocked.Increment(ref ran);
                    }
                    catch (ObjectDisposedException)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            start.SignalAndWait();
            Thread.Sleep(round % 3);
            compiled.Dispose();
            threads.ForEach(t => t.Join());
            Assert.That(ran + refused, Is.EqualTo(200), "every run either completed or was refused; none crashed");
            Assert.That(compiled.IsReleased, Is.True);
        }
    }
}

/// <summary>The interpreter's hand-over entry point (where the JIT resumes a block that does not fit its budget) is
/// internal and checks its invariant instead of trusting its caller.</summary>
public sealed class ResumeInvariantTests
{
    [TestCase(100_000L, 0UL, 1L, TestName = "A pc far past the text")]
    [TestCase(-1L, 0UL, 1L, TestName = "A negative pc")]
    [TestCase(1L, 0UL, 1L, TestName = "The second half of an lddw")]
    [TestCase(0L, 5UL, 3L, TestName = "A budget that covers the whole block")]
    [TestCase(0L, 0UL, 9L, TestName = "A block longer than the text")]
    public void A_resume_that_breaks_the_hand_over_invariant_is_refused(long pc, ulong budget, long blockUnits)
    {
        var program = Vm.Load(Executable.FromAssembly("lddw r0, 5\nexit", Profile.Tbpf));
        var memory = MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf);
        Assert.Throws<InvalidOperationException>(() =>
            Tos.Tbpf.Interpretation.Interpreter.Resume(program, memory, budget, null, new ulong[11], pc, blockUnits));
    }
}
