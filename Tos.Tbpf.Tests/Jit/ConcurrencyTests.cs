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
