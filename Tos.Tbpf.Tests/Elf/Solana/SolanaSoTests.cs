using System.Buffers.Binary;
using System.Text;
using NUnit.Framework;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;
using Tos.Tbpf.Fuzzing.Solana;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Elf.Solana;

/// <summary>
/// Solana .so files, hand-built: each relocation sbpf applies to a V0 file and each of its load errors, the strict V3
/// layout and its errors, and both engines running what loads. Expected values follow from sbpf's loader rules
/// (addresses rooted at 0x1_0000_0000, calls by hash key under V0, relative calls and static syscalls under V3).
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class SolanaSoTests
{
    private const ulong Rodata = 1UL << 32;

    private static Executable Load(byte[] file, Profile profile, Syscalls.SyscallRegistry? syscalls = null) =>
        ElfLoader.Load(file, profile, syscalls ?? SolanaSyscalls.Registry());

    private static (RunOutcome Outcome, Invocation Host) Run(byte[] file, Profile profile) =>
        AllEngines.Run(Load(file, profile), [], 10_000, new InMemoryContractState());

    private static ElfErrorKind LoadError(byte[] file, Profile profile, Syscalls.SyscallRegistry? syscalls = null) =>
        Assert.Throws<ElfException>(() => Load(file, profile, syscalls))!.Kind;

    private static byte[] Code(string asm) => Assembler.AssembleBytes(asm);

    [Test]
    public void A_v0_file_runs_from_its_entry_point()
    {
        var so = new SoBuilder { Text = Code("mov64 r0, 1\nexit\nmov64 r0, 42\nexit"), Entry = SoBuilder.TextOffset + 16 };
        Assert.That(Run(so.Build(), Profile.SbpfV0).Outcome.Result.Describe(), Is.EqualTo("Ok 0x2a, cu 2"));
    }

    [Test]
    public void A_v0_programs_read_only_data_is_mapped_from_its_first_section()
    {
        // .text (the first read-only section) is at 0x40: 0x1_0000_0040 is its first byte, the lddw's opcode 0x18;
        // 0x1_0000_003f is below it and faults, as in sbpf, whose read-only region starts at the first section.
        var at = new SoBuilder { Text = Code("lddw r1, 0x100000040\nldxb r0, [r1+0]\nexit") };
        Assert.That(Run(at.Build(), Profile.SbpfV0).Outcome.Result.R0, Is.EqualTo(0x18UL), "the lddw's own opcode byte");
        var below = new SoBuilder { Text = Code("lddw r1, 0x10000003f\nldxb r0, [r1+0]\nexit") };
        var result = Run(below.Build(), Profile.SbpfV0).Outcome.Result;
        Assert.That(result.Error?.Kind, Is.EqualTo(VmErrorKind.AccessViolation));
        Assert.That(result.Error!.Message, Does.Contain("below its first section"));
    }

    [Test]
    public void A_v0_relative_call_becomes_a_call_by_the_targets_hash_key()
    {
        // call +1 at slot 0 targets slot 2: the loader writes Murmur3(2 as 8 LE bytes) into imm and registers slot 2.
        var so = new SoBuilder { Text = Code("call local +1\nexit\nmov64 r0, 7\nexit") };
        var executable = Load(so.Build(), Profile.SbpfV0);
        Assert.That((uint)executable.Instructions[0].Imm32, Is.EqualTo(RunTimeCalls.FunctionKey(2)));
        Assert.That(executable.FunctionKeys[RunTimeCalls.FunctionKey(2)], Is.EqualTo(2));
        Assert.That(Run(so.Build(), Profile.SbpfV0).Outcome.Result.Describe(), Is.EqualTo("Ok 0x7, cu 4"));
    }

    [Test]
    public void R_bpf_64_64_adds_the_symbols_address_rooted_in_the_program_region()
    {
        var so = new SoBuilder { Text = Code("lddw r1, 0\nldxdw r0, [r1+0]\nexit"), Rodata = BitConverter.GetBytes(0x1122334455667788UL) };
        so.DynamicSymbols.Add(("DATA", 0x11, so.RodataOffset));
        so.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpf64, 1));
        var executable = Load(so.Build(), Profile.SbpfV0);
        Assert.That((ulong)executable.Instructions[0].Imm, Is.EqualTo(Rodata + so.RodataOffset));
        Assert.That(Run(so.Build(), Profile.SbpfV0).Outcome.Result.R0, Is.EqualTo(0x1122334455667788UL));
    }

    [Test]
    public void R_bpf_64_relative_in_text_roots_the_lddw_address()
    {
        // The text's length fixes where .rodata goes, so the text is laid out first and then given the address.
        var so = new SoBuilder { Rodata = BitConverter.GetBytes(0xabcdUL), Text = Code("lddw r1, 0\nldxdw r0, [r1+0]\nexit") };
        so.Text = Code($"lddw r1, {so.RodataOffset}\nldxdw r0, [r1+0]\nexit");
        so.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpfRelative, 0));
        Assert.That(Run(so.Build(), Profile.SbpfV0).Outcome.Result.R0, Is.EqualTo(0xabcdUL));
    }

    [Test]
    public void R_bpf_64_relative_in_data_reads_the_v0_toolchains_high_half()
    {
        // Old toolchains stored a data pointer's 32-bit address in the high half of the u64; sbpf reads it from there for
        // V0 and writes the full address back: the pointer at .data.rel.ro then points at .rodata.
        var so = new SoBuilder
        {
            Rodata = BitConverter.GetBytes(0x5eedUL), DataRelRo = new byte[8], Text = Code("lddw r1, 0\nldxdw r2, [r1+0]\nldxdw r0, [r2+0]\nexit"),
        };
        BinaryPrimitives.WriteUInt32LittleEndian(so.DataRelRo.AsSpan(4), (uint)so.RodataOffset);
        so.Text = Code($"lddw r1, {so.DataRelRoOffset}\nldxdw r2, [r1+0]\nldxdw r0, [r2+0]\nexit");
        so.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpfRelative, 0));
        so.Relocations.Add((so.DataRelRoOffset, SoBuilder.RBpfRelative, 0));
        Assert.That(Run(so.Build(), Profile.SbpfV0).Outcome.Result.R0, Is.EqualTo(0x5eedUL));
    }

    [Test]
    public void R_bpf_64_32_links_a_syscall_by_its_name_hash()
    {
        var so = new SoBuilder { Rodata = Encoding.ASCII.GetBytes("hi"), Text = Code("lddw r1, 0\nmov64 r2, 2\ncall -1\nexit") };
        so.Text = Code($"lddw r1, {Rodata + so.RodataOffset}\nmov64 r2, 2\ncall -1\nexit");
        so.DynamicSymbols.Add(("sol_log_", 0x10, 0));
        so.Relocations.Add((SoBuilder.TextOffset + 24, SoBuilder.RBpf32, 1));
        var (outcome, host) = Run(so.Build(), Profile.SbpfV0);
        Assert.That(outcome.Result.Describe(), Is.EqualTo("Ok 0x0, cu 104"), "lddw, mov, call, exit and the log's 100");
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Program log: hi" }));
    }

    [Test]
    public void R_bpf_64_32_links_a_function_by_its_slot_hash()
    {
        var so = new SoBuilder { Text = Code("call -1\nexit\nmov64 r0, 3\nexit") };
        so.DynamicSymbols.Add(("helper", 0x12, SoBuilder.TextOffset + 16));
        so.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpf32, 1));
        var executable = Load(so.Build(), Profile.SbpfV0);
        Assert.That((uint)executable.Instructions[0].Imm32, Is.EqualTo(RunTimeCalls.FunctionKey(2)));
        Assert.That(Run(so.Build(), Profile.SbpfV0).Outcome.Result.Describe(), Is.EqualTo("Ok 0x3, cu 4"));
    }

    [Test]
    public void V0_load_errors_are_sbpfs()
    {
        var exit = Code("exit");
        Assert.Multiple(() =>
        {
            Assert.That(LoadError(new SoBuilder { Text = exit, Flags = 0x20 }.Build(), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.UnsupportedSbpfVersion));
            Assert.That(LoadError(new SoBuilder { Text = exit, OsAbi = 3 }.Build(), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.WrongAbi));
            Assert.That(LoadError(new SoBuilder { Text = exit, Machine = 62 }.Build(), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.WrongMachine));
            Assert.That(LoadError(Extra(exit, ".text", 1, 6), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.NotOneTextSection));
            Assert.That(LoadError(Extra(exit, ".bss", 8, 3), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.WritableData));
            Assert.That(LoadError(Extra(exit, ".data", 1, 3), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.WritableData));
            Assert.That(LoadError(new SoBuilder { Text = exit, Entry = 8 }.Build(), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.EntrypointOutOfBounds));
            Assert.That(LoadError(new SoBuilder { Text = Code("mov64 r0, 0\nexit"), Entry = SoBuilder.TextOffset + 4 }.Build(), Profile.SbpfV0),
                Is.EqualTo(ElfErrorKind.InvalidEntrypoint));
            Assert.That(LoadError(new SoBuilder { Text = Code("call local +5\nexit") }.Build(), Profile.SbpfV0),
                Is.EqualTo(ElfErrorKind.RelativeJumpOutOfBounds));
            Assert.That(LoadError(new SoBuilder { Text = exit, TextAddress = 0x100 }.Build(), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.EntrypointOutOfBounds),
                "sbpf checks the entry against .text's address before it checks that address");
            Assert.That(LoadError(new SoBuilder { Text = exit, TextAddress = 0x100, Entry = 0x100 }.Build(), Profile.SbpfV0),
                Is.EqualTo(ElfErrorKind.ValueOutOfBounds), ".text's address differs from its offset");
            Assert.That(LoadError(WithRelocation(SoBuilder.RBpf32, "no_such_syscall", 0x10), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.UnresolvedSymbol));
            Assert.That(LoadError(WithRelocation(2, "x", 0x10), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.UnknownRelocation));
            Assert.That(LoadError(WithRelocation(SoBuilder.RBpfRelative, "x", 0x10), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.InvalidVirtualAddress));
            var unknownSymbol = new SoBuilder { Text = Code("lddw r1, 0\nexit") };
            unknownSymbol.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpf64, 9));
            Assert.That(LoadError(unknownSymbol.Build(), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.UnknownSymbol));
            var beyondFile = new SoBuilder { Text = Code("lddw r1, 0\nexit") };
            beyondFile.DynamicSymbols.Add(("DATA", 0x11, 8));
            beyondFile.Relocations.Add((0xFFFF_FFF0, SoBuilder.RBpf64, 1));
            Assert.That(LoadError(beyondFile.Build(), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.ValueOutOfBounds));
        });

        static byte[] Extra(byte[] text, string name, uint type, ulong flags)
        {
            var so = new SoBuilder { Text = text };
            so.Extra.Add((name, type, flags, new byte[8]));
            return so.Build();
        }

        static byte[] WithRelocation(uint type, string symbol, byte info)
        {
            var so = new SoBuilder { Text = Code("lddw r1, 0\ncall -1\nexit") };
            so.DynamicSymbols.Add((symbol, info, 0));
            so.Relocations.Add(((ulong)(type == SoBuilder.RBpf32 ? SoBuilder.TextOffset + 16 : SoBuilder.TextOffset), type, 1));
            return so.Build();
        }
    }

    [Test]
    public void A_text_without_bytes_in_the_file_loads_as_no_program()
    {
        // Found by tbpf fuzz --elf: a NOBITS .text claims a size but has no bytes; sbpf reads its empty file range.
        var so = new SoBuilder { Text = Code("mov64 r0, 0\nexit"), TextType = 8 };
        var executable = Load(so.Build(), Profile.SbpfV0);
        Assert.That(executable.TextLength, Is.Zero);
        Assert.That(Assert.Throws<Verification.VerifierException>(() => Vm.Load(executable))!.Kind,
            Is.EqualTo(Verification.VerifierErrorKind.EmptyProgram));
    }

    [Test]
    public void Sbpfs_parser_rules_apply_to_v0_files()
    {
        // sbpf looks for a section name's NUL within 16 bytes: 15 characters load, 16 do not.
        var fifteen = new SoBuilder { Text = Code("exit") };
        fifteen.Extra.Add((".comment.abcdef", 1, 0, new byte[8]));
        Assert.DoesNotThrow(() => Load(fifteen.Build(), Profile.SbpfV0));
        var sixteen = new SoBuilder { Text = Code("exit") };
        sixteen.Extra.Add((".comment.abcdefg", 1, 0, new byte[8]));
        Assert.That(LoadError(sixteen.Build(), Profile.SbpfV0), Is.EqualTo(ElfErrorKind.FailedToParse));

        // The ELF version must be the current one.
        var version = new SoBuilder { Text = Code("exit") }.Build();
        version[6] = 2;
        Assert.That(LoadError(version, Profile.SbpfV0), Is.EqualTo(ElfErrorKind.FailedToParse));

        // Without DT_SYMTAB there are no dynamic symbols: a relocation naming one finds none.
        var noSymbols = new SoBuilder { Text = Code("call -1\nexit") };
        noSymbols.DynamicSymbols.Add(("sol_log_", 0x10, 0));
        noSymbols.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpf32, 1));
        var file = noSymbols.Build();
        var dynamicAt = IndexOfTag(file, 6);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(dynamicAt + 8), 0);
        Assert.That(LoadError(file, Profile.SbpfV0), Is.EqualTo(ElfErrorKind.UnknownSymbol));

        static int IndexOfTag(byte[] file, ulong tag)
        {
            // The dynamic section holds DT_SYMTAB first (see SoBuilder); find its 16-byte entry.
            for (var at = 0; at + 16 <= file.Length; at += 8)
            {
                if (BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at)) == tag && BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at + 16)) == 17)
                {
                    return at;
                }
            }

            throw new InvalidOperationException("no DT_SYMTAB entry");
        }
    }

    [Test]
    public void A_function_key_that_a_syscall_holds_is_a_hash_collision()
    {
        var syscalls = SolanaSyscalls.Registry().RegisterHelper(RunTimeCalls.FunctionKey(2), "clash", (_, _, _, _, _, _) => 0);
        var so = new SoBuilder { Text = Code("call local +1\nexit\nexit") };
        Assert.That(LoadError(so.Build(), Profile.SbpfV0, syscalls), Is.EqualTo(ElfErrorKind.SymbolHashCollision));
    }

    [Test]
    public void A_so_needs_an_sbpf_profile_and_the_version_it_was_built_for()
    {
        var v0 = new SoBuilder { Text = Code("exit") }.Build();
        Assert.That(Assert.Throws<ElfException>(() => Load(v0, Profile.Tbpf))!.Message, Does.Contain("sbpfv0"));
        Assert.That(LoadError(v0, Profile.SbpfV3), Is.EqualTo(ElfErrorKind.UnsupportedSbpfVersion));
        Assert.That(LoadError(new StrictSoBuilder { Bytecode = Code("exit") }.Build(), Profile.SbpfV4), Is.EqualTo(ElfErrorKind.UnsupportedSbpfVersion));
    }

    [Test]
    public void A_v3_file_runs_with_static_syscalls_relative_calls_and_callx_into_its_bytecode()
    {
        // Functions [0, 32) and [32, 48); lddw 0x20 is slot 4's address in the bytecode region (which starts at 0).
        var so = new StrictSoBuilder
        {
            Bytecode = Code("lddw r2, 0x20\ncallx r2\nexit\nmov64 r0, 5\nexit"),
            Functions = [(0, 32), (32, 16)],
        };
        Assert.That(Run(so.Build(), Profile.SbpfV3).Outcome.Result.Describe(), Is.EqualTo("Ok 0x5, cu 5"));

        var logging = new StrictSoBuilder { Rodata = Encoding.ASCII.GetBytes("v3") };
        logging.Bytecode = Code($"lddw r1, {Rodata}\nmov64 r2, 2\nsyscall sol_log_\ncall local +1\nexit\nmov64 r0, 9\nexit");
        logging.Functions = [(0, 48), (48, 16)];
        var (outcome, host) = Run(logging.Build(), Profile.SbpfV4 with { SbpfElfFlags = 3 });
        Assert.That(outcome.Result.Describe(), Is.EqualTo("Ok 0x9, cu 107"));
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Program log: v3" }));
    }

    [Test]
    public void The_v3_bytecode_cannot_be_loaded_as_data()
    {
        var so = new StrictSoBuilder { Bytecode = Code("mov64 r1, 0\nldxdw r0, [r1+0]\nexit") };
        Assert.That(Run(so.Build(), Profile.SbpfV3).Outcome.Result.Error?.Kind, Is.EqualTo(VmErrorKind.AccessViolation));
    }

    [Test]
    public void V3_load_errors_are_sbpfs()
    {
        var exit = Code("exit");
        Assert.Multiple(() =>
        {
            Assert.That(Error(b => b.Machine = 247), Is.EqualTo(ElfErrorKind.InvalidFileHeader), "EM_BPF is not accepted");
            Assert.That(Error(b => b.Patch = f => f[7] = 1), Is.EqualTo(ElfErrorKind.InvalidFileHeader), "OS/ABI");
            Assert.That(Error(b => b.Patch = f => f[10] = 1), Is.EqualTo(ElfErrorKind.InvalidFileHeader), "padding");
            Assert.That(Error(b => b.Patch = f => f[56] = 4), Is.EqualTo(ElfErrorKind.InvalidFileHeader), "four program headers");
            Assert.That(Error(b => b.Patch = f => f[62] = 1), Is.EqualTo(ElfErrorKind.InvalidFileHeader), "e_shstrndx");
            Assert.That(Error(b => b.Entry = 8), Is.EqualTo(ElfErrorKind.InvalidFileHeader), "entry outside the bytecode");
            Assert.That(Error(b => b.Patch = f => f[64 + 4] = 5), Is.EqualTo(ElfErrorKind.InvalidProgramHeader), "bytecode flags");
            Assert.That(Error(b => b.Patch = f => f[64 + 56 + 16] = 8), Is.EqualTo(ElfErrorKind.InvalidProgramHeader), "rodata address");
            Assert.That(Error(b => b.Patch = f => f[64 + 3 * 56 + 32] = 8), Is.EqualTo(ElfErrorKind.InvalidProgramHeader), "heap with file bytes");
            Assert.That(Error(b => b.Functions = [(8, 8)]), Is.EqualTo(ElfErrorKind.ValueOutOfBounds), "a gap before the first function");
            Assert.That(Error(b => b.Functions = [(0, 0)]), Is.EqualTo(ElfErrorKind.InvalidSize), "an empty function");
            Assert.That(Error(b => b.Functions = []), Is.EqualTo(ElfErrorKind.ValueOutOfBounds), "no function covers the bytecode");
        });

        ElfErrorKind Error(Action<StrictSoBuilder> change)
        {
            var builder = new StrictSoBuilder { Bytecode = exit };
            change(builder);
            return LoadError(builder.Build(), Profile.SbpfV3);
        }
    }

    [Test]
    public void The_entry_point_must_start_a_function()
    {
        var so = new StrictSoBuilder { Bytecode = Code("mov64 r0, 1\nexit"), Entry = 8 };
        Assert.That(LoadError(so.Build(), Profile.SbpfV3), Is.EqualTo(ElfErrorKind.InvalidFileHeader));
    }

    [TestCase("sbpfv0")]
    [TestCase("sbpfv3")]
    public void Mutated_files_give_only_load_and_verifier_errors(string name)
    {
        var profile = Profile.ByName(name)!;
        var so = new SoBuilder { Text = Code("lddw r1, 0\ncall -1\nexit"), Rodata = new byte[16] };
        so.DynamicSymbols.Add(("sol_log_", 0x10, 0));
        so.DynamicSymbols.Add(("DATA", 0x11, so.RodataOffset));
        so.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpf64, 2));
        so.Relocations.Add((SoBuilder.TextOffset + 16, SoBuilder.RBpf32, 1));
        var seed = profile.StrictElfHeaders
            ? new StrictSoBuilder { Bytecode = Code("mov64 r0, 1\nexit"), Rodata = new byte[8] }.Build()
            : so.Build();
        var random = new Random(name.Length);
        var loaded = 0;
        for (var i = 0; i < 3000; i++)
        {
            var file = (byte[])seed.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                file[random.Next(file.Length)] = (byte)random.Next(256);
            }

            try
            {
                var program = Vm.Load(Load(file, profile));
                AllEngines.Run(program.Executable, [], 1000);
                loaded++;
            }
            catch (ElfException)
            {
            }
            catch (Verification.VerifierException)
            {
            }
        }

        Assert.That(loaded, Is.GreaterThan(0), "some mutants still load and run alike on every engine");
    }
}
