using Iced.Intel;
using NUnit.Framework;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Jit.Runtime;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Tests.Elf;
using Decoder = Iced.Intel.Decoder;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>
/// Which loops get the JIT's unchecked copy (X64Compiler.Loops): one is recognised by the guard at its head, which
/// lends a register to the copy and so saves it in the context first. The results of these loops, at every budget and
/// at every kind of edge (a bound past the region, a step that never meets the bound, a loop entered at its bound), are
/// checked on both engines by the counted-loop-*.data tables and DifferentialTests.
/// </summary>
public sealed class CountedLoopTests
{
    private const string SumInput = "mov r0, 0\nmov r4, r1\nmov r5, r1\nadd r5, 32\nloop:\nldxdw r3, [r4+0]\nadd r0, r3\nadd r4, 8\njne r4, r5, loop\nexit";

    public static IEnumerable<TestCaseData> Counted()
    {
        yield return new TestCaseData(SumInput).SetName("a load based on the induction register, bound in a register");
        yield return new TestCaseData("mov r1, r10\nsub r1, 64\nmov r2, r1\nmov r3, 1\nclear:\nstxdw [r2+0], r3\nadd r2, 8\njne r2, r10, clear\nexit")
            .SetName("a store through a pointer from r10, bound r10");
        yield return new TestCaseData("mov r0, 0\nmov r4, 2\nsum:\nmov r6, r1\nadd r6, r4\nldxb r7, [r6+0]\nadd r0, r7\nadd r4, 1\njne r4, 16, sum\nexit")
            .SetName("an unchanging register plus the induction register, immediate bound");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nloop:\nadd r4, 4\nldxw r3, [r4-4]\nmul r0, 3\nxor r0, r3\njne r4, 0x4020, loop\nexit")
            .SetName("the access after the step, ALU work around it");
        yield return new TestCaseData("mov r0, 0\nmov r4, 2\nmov r5, 3\nmark:\nmov r6, r1\nadd r6, r4\nstb [r6+0], 0\nadd r4, r5\njlt r4, 512, mark\nexit")
            .SetName("a step in a register, jlt (sieve_stack's marking loop)");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nmov r5, 3\nloop:\nldxb r3, [r4+0]\nadd r0, r3\nadd r4, r5\njne r4, 9, loop\nexit")
            .SetName("a step in a register, jne");
        yield return new TestCaseData(LongBody(253)).SetName("a body of 256 units (0x100: one byte of the guard's multiplier is the program's)");
    }

    /// <summary>A counted loop of <paramref name="adds"/> + 3 units per iteration.</summary>
    private static string LongBody(int adds) =>
        "mov r0, 0\nmov r4, r1\nmov r5, r1\nadd r5, 32\nloop:\nldxdw r3, [r4+0]\n" + string.Concat(Enumerable.Repeat("add r0, 1\n", adds))
        + "add r4, 8\njne r4, r5, loop\nexit";

    public static IEnumerable<TestCaseData> NotCounted()
    {
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nmov r5, 3\nloop:\nadd r4, r5\nldxb r3, [r4+0]\nadd r0, r3\njne r4, 9, loop\nexit")
            .SetName("a step in a register before the access");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nloop:\nldxb r3, [r4+0]\nldxb r2, [r4+1]\nadd r0, r3\nadd r4, 2\njne r4, 8, loop\nexit")
            .SetName("two accesses");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nmov r5, 1\nloop:\nldxb r3, [r4+0]\ndiv r0, r5\nadd r4, 1\njne r4, 8, loop\nexit")
            .SetName("a division, which can fail");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nloop:\nldxb r3, [r4+0]\nadd r0, r3\nadd r4, 3\njne r4, 9, loop\nexit")
            .SetName("a step that is not a power of two");
        yield return new TestCaseData("mov r0, 0\nmov r4, 0\nloop:\nldxb r3, [r1+0]\nadd r0, r3\nadd r4, 1\njne r4, 8, loop\nexit")
            .SetName("an access not based on the induction register");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nloop:\nldxb r3, [r4+0]\nadd r0, r3\nadd r4, 1\njle r4, 8, loop\nexit")
            .SetName("a bound compared with jle");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nloop:\nldxb r3, [r4+0]\nadd r0, r3\nadd r4, 1\njslt r4, 8, loop\nexit")
            .SetName("a signed bound");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nmov r5, 2\nloop:\nldxb r3, [r4+0]\nadd r0, r3\nadd r4, r5\nadd r5, 1\njlt r4, 8, loop\nexit")
            .SetName("a step register the block changes");
        yield return new TestCaseData("mov r0, 0\nmov r4, r1\nloop:\nldxb r3, [r4+0]\nadd r4, 1\nadd r4, 1\njne r4, 8, loop\nexit")
            .SetName("two steps");
        // The guard would multiply by 0x101 units, two bytes the program chose, which nothing blinds.
        yield return new TestCaseData(LongBody(254)).SetName("a body of 257 units");
    }

    [TestCaseSource(nameof(Counted))]
    public void A_counted_loop_gets_a_guard(string asm) =>
        Assert.That(Guards(Vm.Load(Executable.FromAssembly(asm, Profile.Tbpf))), Is.EqualTo(1));

    [TestCaseSource(nameof(NotCounted))]
    public void Other_loops_do_not(string asm) =>
        Assert.That(Guards(Vm.Load(Executable.FromAssembly(asm, Profile.Tbpf))), Is.Zero);

    [Test]
    public void A_program_with_callx_gets_no_guard()
    {
        // callx may land inside a loop, past its guard; such programs keep the checked loops only.
        var asm = SumInput.Replace("exit", "lddw r2, 0x100000000\ncallx r2\nexit");
        Assert.That(Guards(Vm.Load(Executable.FromAssembly(asm, Profile.Tbpf))), Is.Zero);
    }

    [Test]
    public void At_most_1024_loops_of_a_program_are_guarded()
    {
        // 1 100 back-to-back three-slot counted loops: the first 1 024 get guards, the rest only their checked code (a
        // program of nothing but loops would otherwise compile several times slower than any other).
        var asm = string.Concat(Enumerable.Range(0, 1100).Select(i => $"l{i}:\nldxdw r3, [r4+0]\nadd r4, 8\njne r4, r5, l{i}\n")) + "exit";
        Assert.That(Guards(Vm.Load(Executable.FromAssembly(asm, Profile.Tbpf))), Is.EqualTo(1024));
    }

    [Test]
    public void The_memory_secret_fixture_fills_the_stack_and_heap_through_counted_loops()
    {
        // Its fill loops (every word of the 256 KiB stack and the 32 KiB heap) are counted loops, so the zeroing test
        // (InvocationMemoryTests) checks that the stores of the unchecked copy are cleared for the next invocation too.
        var program = Vm.Load(Tos.Tbpf.Elf.ElfLoader.Load(
            File.ReadAllBytes(Path.Combine(Contracts.OutFolder, "fixtures", "memory_secret.o")), Profile.Tbpf, Tos.Tbpf.Host.TosSyscalls.Registry()));
        Assert.That(Guards(program), Is.GreaterThanOrEqualTo(2));
    }

    /// <summary>How many guards the code has: each saves the register it lends, to the context's loop slot.</summary>
    private static int Guards(VerifiedExecutable program)
    {
        using var compiled = JitProgram.Compile(program, JitOptions.Default);
        var code = compiled.Code.ToArray();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code));
        var saves = 0;
        while (decoder.IP < (ulong)code.Length)
        {
            var instruction = decoder.Decode();
            saves += instruction.Mnemonic == Mnemonic.Mov && instruction.Op0Kind == OpKind.Memory
                && instruction.MemoryBase == Register.R15 && instruction.MemoryDisplacement64 == JitContext.LoopSpareOffset ? 1 : 0;
        }

        return saves;
    }
}
