using NUnit.Framework;
using Tos.Tbpf.Interpretation;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>
/// Accesses through r10 with a constant offset inside the frame run without a bounds check. They stay sound: every
/// frame a program can reach counts as written, so pooled memory is still zeroed after them; and a caller's map without
/// a full stack region is never reached unchecked (the run goes to the interpreter).
/// </summary>
public sealed class FrameAccessTests
{
    private const ulong Secret = 0x5ec2e75ec2e75ec2;

    // Three frames deep, each writing the secret at the top of its frame through r10 (offsets that are never blinded, so
    // every store is an unchecked one).
    private static readonly string Writer = $"""
        lddw r6, 0x{Secret:x}
        stxdw [r10-8], r6
        stxdw [r10-16], r6
        call f1
        mov r0, 0
        exit
        f1:
        stxdw [r10-8], r6
        stxdw [r10-16], r6
        call f2
        exit
        f2:
        stxdw [r10-8], r6
        stxdw [r10-16], r6
        exit
        """;

    // Counts the non-zero words of the whole stack region, through checked loads from absolute addresses.
    private const string Reader = """
        mov r0, 0
        lddw r1, 0x200000000
        mov r2, r1
        add r2, 262144
        loop:
        ldxdw r3, [r1+0]
        jeq r3, 0, next
        add r0, 1
        next:
        add r1, 8
        jne r1, r2, loop
        exit
        """;

    [SetUp]
    public void RequireJit() => Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");

    [Test]
    public void Frame_accesses_compile_without_a_region_check()
    {
        var checkedOnly = Compile("stxdw [r10-4104], r1\nldxdw r0, [r10-4104]\nexit");
        var inFrame = Compile("stxdw [r10-8], r1\nldxdw r0, [r10-8]\nexit");
        // The checked form compares against the region table; the frame form is two instructions and the access.
        Assert.That(inFrame.CodeSize, Is.LessThan(checkedOnly.CodeSize - 40));
    }

    [Test]
    public void A_frame_offset_that_needs_blinding_never_appears_in_the_code()
    {
        // -1972 has two bytes of its own (0x4c, 0xf8): hardening splits it between the lea and the access.
        var program = Vm.Load(Executable.FromAssembly("stxdw [r10-1972], r1\nldxdw r0, [r10-1972]\nexit", Profile.Tbpf));
        for (var seed = 0; seed < 20; seed++)
        {
            using var compiled = JitProgram.Compile(program, new JitOptions(Seed: seed));
            // x86 holds it as a 32-bit displacement; a chance match of 4 bytes in a few hundred is negligible.
            Assert.That(compiled.Code.IndexOf((ReadOnlySpan<byte>)[0x4c, 0xf8, 0xff, 0xff]), Is.EqualTo(-1), $"seed {seed}");
        }

        var memory = MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf);
        Assert.That(Engines.Jit!.Run(program, memory, 100).Describe(), Is.EqualTo("Ok 0x400000000, cu 3"), "r1 (the input address) round-trips");
    }

    [Test]
    public void Unchecked_frame_stores_are_zeroed_when_pooled_memory_returns()
    {
        var writer = Vm.Load(Executable.FromAssembly(Writer, Profile.Tbpf));
        var reader = Vm.Load(Executable.FromAssembly(Reader, Profile.Tbpf));
        var jit = Engines.Jit!;
        var memory = InvocationMemoryPool.Rent();
        var map = memory.Prepare(writer.Executable, [], null);
        Assert.That(jit.Run(writer, map, 1_000_000, memory.Syscalls).IsOk, Is.True);
        // Before the memory goes back, the secret is there: two words in each of three frames.
        var stack = map[MemoryMap.StackIndex]!;
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(stack.Data.AsSpan(0, stack.Length));
        Assert.That(words.ToArray().Count(w => w == Secret), Is.EqualTo(6));
        InvocationMemoryPool.Return(memory);

        var next = InvocationMemoryPool.Rent();
        Assert.That(next, Is.SameAs(memory), "the thread's cached memory comes back");
        foreach (var engine in Engines.Available)
        {
            Assert.That(engine.Run(reader, next.Prepare(reader.Executable, [], null), 1_000_000, next.Syscalls).R0, Is.Zero, engine.Name);
        }

        InvocationMemoryPool.Return(next);
    }

    [Test]
    public void A_map_without_a_full_stack_runs_on_the_interpreter_and_faults_as_it_does()
    {
        var program = Vm.Load(Executable.FromAssembly("stxdw [r10-8], r1\nldxdw r0, [r10-8]\nexit", Profile.Tbpf));
        // A 64-byte stack: r10 (4 KiB up) points far outside it; unchecked code would write past the array.
        MemoryMap Small() => new([
            new MemoryRegion("program", MemoryMap.ProgramIndex, program.Executable.ProgramRegion, writable: false),
            new MemoryRegion("stack", MemoryMap.StackIndex, new byte[64], writable: true),
        ]);
        var expected = Interpreter.Run(program, Small(), 100);
        Assert.That(expected.Error?.Kind, Is.EqualTo(Execution.VmErrorKind.AccessViolation));
        Assert.That(Engines.Jit!.Run(program, Small(), 100).Describe(), Is.EqualTo(expected.Describe()));
    }

    private static JitProgram Compile(string asm) =>
        JitProgram.Compile(Vm.Load(Executable.FromAssembly(asm, Profile.Tbpf)), new JitOptions(BlindConstants: false, NopInsertion: false));
}
