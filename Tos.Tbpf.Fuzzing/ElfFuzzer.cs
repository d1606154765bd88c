using System.Buffers.Binary;
using System.Diagnostics;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Host;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf.Fuzzing;

/// <summary>What one ELF input did: nothing wrong, or a finding with its reason.</summary>
public sealed record ElfOutcome(string? Finding, string Stage);

/// <summary>
/// Raw-mode fuzzing of the loader, verifier and engines: random bytes, and structure-aware mutations of real objects that
/// change several header, section, symbol and relocation fields at once (a one-field mutator cannot reach a section that
/// is both NOBITS and huge). Only <see cref="ElfException"/> and <see cref="VerifierException"/> may come out; anything
/// else, an engine disagreement, a slow input or an allocation out of proportion to the file is a finding.
/// </summary>
public sealed class ElfFuzzer(IReadOnlyList<byte[]> seeds, Profile? profile = null)
{
    /// <summary>The longest an input may take through load and verification.</summary>
    public static readonly TimeSpan SlowInput = TimeSpan.FromSeconds(2);

    private static readonly ulong[] EdgeSizes = [0, 1, 7, 8, 64, 0x1000, 0x10_0000, 0x10_0001, 0x7fff_ffff, 0xffff_ffff, 0x8000_0000_0000_0000, ulong.MaxValue];
    private readonly Profile _profile = profile ?? Profile.Tbpf;
    private readonly DifferentialRunner _runner = new(profile ?? Profile.Tbpf);
    private readonly Syscalls.SyscallRegistry _syscalls = FuzzSyscalls.For(profile ?? Profile.Tbpf);

    /// <summary>The objects this fuzzer mutates.</summary>
    public IReadOnlyList<byte[]> Seeds => seeds;

    /// <summary>The profile the inputs are loaded and run under (the clang objects under tbpf, Solana .so files under sbpf*).</summary>
    public Profile Profile => _profile;

    /// <summary>A mutated input from <paramref name="random"/>.</summary>
    public byte[] Mutate(Random random)
    {
        if (seeds.Count == 0 || random.Next(10) == 0)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            if (bytes.Length >= 4 && random.Next(2) == 0)
            {
                "\u007fELF"u8.CopyTo(bytes);
            }

            return bytes;
        }

        var file = (byte[])seeds[random.Next(seeds.Count)].Clone();
        var mutations = random.Next(1, 5);
        for (var i = 0; i < mutations; i++)
        {
            switch (random.Next(6))
            {
                case 0:
                    file[random.Next(file.Length)] = (byte)random.Next(256);
                    break;
                case 1:
                    file = file[..random.Next(file.Length)];
                    break;
                default:
                    MutateField(random, file);
                    break;
            }

            if (file.Length < 64)
            {
                break;
            }
        }

        return file;
    }

    /// <summary>
    /// Decoding keeps 16 bytes per 8-byte slot; everything else is small: a generous bound still catches a section
    /// that claims what the file does not hold.
    /// </summary>
    private static long AllocationBound(byte[] file) => 64L * 1024 + 24L * file.Length;

    /// <summary>Loads, verifies and (when it gets that far) runs <paramref name="file"/> on both engines.</summary>
    public ElfOutcome Check(byte[] file)
    {
        var stage = "load";
        var clock = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            var executable = ElfLoader.Load(file, _profile, _syscalls);
            stage = "verify";
            var program = Vm.Load(executable);
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            // The first time a path runs, type initialisers allocate their tables; measure again before blaming
            // the input, so only what this file itself costs is judged.
            if (used > AllocationBound(file))
            {
                allocated = GC.GetAllocatedBytesForCurrentThread();
                Vm.Load(ElfLoader.Load(file, _profile, _syscalls));
                used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            }

            if (used > AllocationBound(file))
            {
                return new ElfOutcome($"loading a {file.Length}-byte file allocated {used} bytes", stage);
            }

            if (clock.Elapsed > SlowInput)
            {
                return new ElfOutcome($"loading took {clock.Elapsed.TotalSeconds:0.0} s", stage);
            }

            stage = "run";
            var expected = _runner.Interpret(program, [1, 2, 3], 50_000, out _);
            if (DifferentialRunner.JitAvailable)
            {
                using var compiled = JitProgram.Compile(program, new JitOptions(Seed: file.Length));
                var actual = _runner.Compiled(compiled, [1, 2, 3], 50_000);
                if (expected.Differences(actual).Any())
                {
                    return new ElfOutcome($"the engines differ:\ninterpreter: {expected}\njit:         {actual}", stage);
                }
            }

            return new ElfOutcome(null, stage);
        }
        catch (Exception exception) when (exception is ElfException or VerifierException)
        {
            return clock.Elapsed > SlowInput ? new ElfOutcome($"refusing took {clock.Elapsed.TotalSeconds:0.0} s", stage) : new ElfOutcome(null, stage);
        }
        catch (Exception exception)
        {
            return new ElfOutcome($"{exception.GetType().Name}: {exception.Message}", stage);
        }
    }

    // Several fields of one structure: the header, a section header, a symbol or a relocation.
    private static void MutateField(Random random, byte[] file)
    {
        if (file.Length < 64)
        {
            return;
        }

        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(40));
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(60));
        var sectionValid = shnum > 0 && shoff < (ulong)file.Length && (ulong)file.Length - shoff >= (ulong)shnum * 64;
        if (!sectionValid || random.Next(5) == 0)
        {
            // ELF header: type, section table offset, count, entry size, name table index.
            var (at, width) = Pick(random, [(16, 2), (40, 8), (58, 2), (60, 2), (62, 2), (32, 8), (56, 2)]);
            Write(file, at, width, Value(random, width));
            return;
        }

        var section = (int)shoff + random.Next(shnum) * 64;
        var fields = random.Next(2, 5);
        for (var i = 0; i < fields; i++)
        {
            // sh_type, sh_flags, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize.
            var (at, width) = Pick(random, [(4, 4), (8, 8), (24, 8), (32, 8), (40, 4), (44, 4), (48, 8), (56, 8)]);
            var value = at == 4 ? Pick<ulong>(random, [0UL, 1, 2, 3, 4, 8, 9, 0x6fff_fff0, (ulong)random.Next()])
                : at == 8 ? Pick<ulong>(random, [0UL, 2, 3, 6, 7, (ulong)random.Next()])
                : Value(random, width);
            Write(file, section + at, width, value);
        }

        // Now and then a symbol or relocation entry inside the (possibly changed) section's bytes.
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(section + 24));
        var size = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(section + 32));
        if (random.Next(2) == 0 && offset < (ulong)file.Length && size >= 24 && (ulong)file.Length - offset >= 24)
        {
            var entry = (int)offset + random.Next((int)Math.Min(size, (ulong)file.Length - offset) / 24) * 24 % Math.Max(1, file.Length - (int)offset - 24);
            var (at, width) = Pick(random, [(0, 4), (4, 1), (6, 2), (8, 8), (16, 8)]);
            Write(file, entry + at, width, Value(random, width));
        }
    }

    private static ulong Value(Random random, int width)
    {
        var value = random.Next(3) == 0 ? (ulong)random.NextInt64() : Pick(random, EdgeSizes);
        return width switch { 1 => value & 0xff, 2 => value & 0xffff, 4 => value & 0xffff_ffff, _ => value };
    }

    private static void Write(byte[] file, int at, int width, ulong value)
    {
        if (at < 0 || at + width > file.Length)
        {
            return;
        }

        for (var i = 0; i < width; i++)
        {
            file[at + i] = (byte)(value >> (8 * i));
        }
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];
}
