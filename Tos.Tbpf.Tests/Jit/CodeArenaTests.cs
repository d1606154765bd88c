using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using NUnit.Framework;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Jit.Native;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>The double-mapped code arena under parallel load: blocks never overlap, hold exactly what was placed,
/// read as int3 once freed, and every page comes back.</summary>
public sealed class CodeArenaTests
{
    [Test]
    public void Parallel_place_and_free_never_overlaps_and_returns_every_page()
    {
        Assume.That(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "the JIT's arena is x86-64 Linux");
        var arena = new CodeArena();
        var page = Environment.SystemPageSize;
        var live = new ConcurrentDictionary<nint, (nuint Length, byte Fill)>();
        var problems = new ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var random = new Random(worker);
            var mine = new List<(nint Address, nuint Length, byte Fill, int Size)>();
            for (var i = 0; i < 300; i++)
            {
                if (mine.Count > 0 && random.Next(3) == 0)
                {
                    var (address, length, _, _) = mine[^1];
                    mine.RemoveAt(mine.Count - 1);
                    live.TryRemove(address, out _);
                    arena.Free(address, length);
                    continue;
                }

                var size = random.Next(1, 5 * page);
                var fill = (byte)random.Next(1, 0xcc);
                var code = Enumerable.Repeat(fill, size).ToArray();
                if (!arena.TryPlace(code, out var placed, out var placedLength))
                {
                    problems.Add($"no room for {size} bytes");
                    continue;
                }

                live[placed] = (placedLength, fill);
                mine.Add((placed, placedLength, fill, size));
            }

            // Everything this worker still holds reads back exactly, padding included, while others churn.
            foreach (var (address, length, fill, size) in mine)
            {
                var bytes = Read(address, length);
                if (bytes[..size].IndexOfAnyExcept(fill) >= 0 || bytes[size..].IndexOfAnyExcept((byte)0xcc) >= 0)
                {
                    problems.Add($"block at 0x{address:x} does not hold what was placed");
                }
            }
        });

        var blocks = live.OrderBy(b => b.Key).ToList();
        for (var i = 1; i < blocks.Count; i++)
        {
            if (blocks[i - 1].Key + (nint)blocks[i - 1].Value.Length > blocks[i].Key)
            {
                problems.Add($"blocks at 0x{blocks[i - 1].Key:x} and 0x{blocks[i].Key:x} overlap");
            }
        }

        Assert.That(problems, Is.Empty);
        Assert.That(arena.PagesInUse, Is.EqualTo(blocks.Sum(b => (long)b.Value.Length / page)));
        foreach (var (address, (length, _)) in blocks)
        {
            arena.Free(address, length);
            Assert.That(Read(address, length).IndexOfAnyExcept((byte)0xcc), Is.EqualTo(-1), "freed code is int3");
        }

        Assert.That(arena.PagesInUse, Is.Zero);
    }

    private static ReadOnlySpan<byte> Read(nint address, nuint length)
    {
        var bytes = new byte[(int)length];
        Marshal.Copy(address, bytes, 0, bytes.Length);
        return bytes;
    }

    [Test]
    public void Programs_compiled_run_and_disposed_on_many_threads_each_give_their_own_result()
    {
        Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");
        var wrong = new ConcurrentBag<string>();
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            // Distinct code per program (its constant and length), so a block handed out twice would show.
            var body = string.Concat(Enumerable.Repeat("add r0, 3\n", i % 50));
            var program = Vm.Load(Executable.FromAssembly($"mov r0, {i}\n{body}exit", Profile.Tbpf));
            using var compiled = JitProgram.Compile(program);
            for (var run = 0; run < 5; run++)
            {
                var memory = MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf);
                var result = compiled.Run(memory, 1_000);
                var expected = (ulong)(i + 3 * (i % 50));
                if (!result.IsOk || result.R0 != expected || result.ComputeUnits != (ulong)(i % 50 + 2))
                {
                    wrong.Add($"program {i}: {result.Describe()} r0={result.R0}, expected {expected}");
                }
            }
        });
        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void A_lease_gives_back_what_its_runs_read_only_after_the_last_run_has_left()
    {
        Assume.That(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "the JIT's arena is x86-64 Linux");
        var released = 0;
        var lease = new CodeLease(ExecutableMemory.Create([0xc3]), () => Interlocked.Increment(ref released));
        Assert.That(lease.TryEnter(out var first), Is.True);
        Assert.That(lease.TryEnter(out var second), Is.True);
        lease.Dispose();
        Assert.That((lease.IsReleased, released), Is.EqualTo((false, 0)), "two runs are inside");
        Assert.That(lease.TryEnter(out _), Is.False, "no run enters a disposed lease");
        lease.Exit(first);
        Assert.That((lease.IsReleased, released), Is.EqualTo((false, 0)), "one run is still inside");
        lease.Exit(second);
        Assert.That((lease.IsReleased, released), Is.EqualTo((true, 1)), "the last run out releases, once");
        lease.Dispose();
        Assert.That(released, Is.EqualTo(1), "disposing again releases nothing more");
    }

    [Test]
    public void A_programs_units_table_stays_its_own_until_its_last_run_has_left()
    {
        Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");
        // The table each compile rents for the runtime is read when a run stops mid-chain (here the budget runs out in a
        // long block), and goes back to the pool only when the program's code is released. Other threads keep compiling
        // and disposing programs whose tables are the same size but hold other counts, and the program under test is
        // disposed while its runs are in flight: every run that was let in must still stop where the interpreter does.
        var body = string.Concat(Enumerable.Repeat("add r0, 1\n", 300));
        var program = Vm.Load(Executable.FromAssembly($"mov r0, 0\n{body}exit", Profile.Tbpf));
        var expected = Tos.Tbpf.Interpretation.Interpreter.Run(program, MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf), 123);
        Assert.That(expected.Error?.Kind, Is.EqualTo(Tos.Tbpf.Execution.VmErrorKind.ComputeBudgetExceeded));
        var wrong = new ConcurrentBag<string>();
        for (var round = 0; round < 20; round++)
        {
            var compiled = JitProgram.Compile(program);
            using var stop = new CancellationTokenSource();
            var churn = Task.Run(() =>
            {
                var other = Vm.Load(Executable.FromAssembly($"mov r0, 0\n{string.Concat(Enumerable.Repeat("ja +0\n", 301))}exit", Profile.Tbpf));
                while (!stop.IsCancellationRequested)
                {
                    JitProgram.Compile(other).Dispose();
                }
            });
            Parallel.For(0, 4, worker =>
            {
                for (var run = 0; run < 200; run++)
                {
                    if (worker == 0 && run == 100)
                    {
                        compiled.Dispose();
                    }

                    try
                    {
                        var result = compiled.Run(MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf), 123);
                        if (result.Describe() != expected.Describe() || result.Error?.Message != expected.Error?.Message)
                        {
                            wrong.Add($"round {round}: {result.Describe()} where the interpreter gives {expected.Describe()}");
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        // Refused after disposal: it never entered.
                    }
                }
            });
            stop.Cancel();
            churn.Wait();
        }

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Code_too_large_for_the_arena_gets_its_own_aligned_mapping_that_holds_it_runs_and_is_padded_with_int3()
    {
        Assume.That(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "the JIT's mappings are x86-64 Linux");
        // mov eax, 42; ret, then filler: more than the arena's largest block, and not a whole number of pages.
        var code = new byte[(int)CodeArena.Shared.MaxBlock + 5 * 1024 * 1024 + 123];
        new Random(7).NextBytes(code);
        byte[] returns42 = [0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3];
        returns42.CopyTo(code, 0);
        using var memory = ExecutableMemory.Create(code);
        Assert.Multiple(() =>
        {
            Assert.That((long)memory.Address % (2 * 1024 * 1024), Is.Zero, "aligned to a huge page");
            Assert.That((long)memory.Length % Environment.SystemPageSize, Is.Zero);
            Assert.That(memory.Length, Is.GreaterThanOrEqualTo((nuint)code.Length));
            var mapped = new byte[(int)memory.Length];
            Marshal.Copy(memory.Address, mapped, 0, mapped.Length);
            Assert.That(mapped.AsSpan(0, code.Length).SequenceEqual(code), "holds the code");
            Assert.That(mapped.AsSpan(code.Length).IndexOfAnyExcept((byte)0xcc), Is.EqualTo(-1), "padded with int3");
            Assert.That(Marshal.GetDelegateForFunctionPointer<ReturnsInt>(memory.Address)(), Is.EqualTo(42), "executable");
        });
    }

    private delegate int ReturnsInt();
}
