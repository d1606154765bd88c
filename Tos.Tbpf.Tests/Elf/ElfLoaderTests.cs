using System.Buffers.Binary;
using NUnit.Framework;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Host;
using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Tests.Elf;

/// <summary>
/// Every way an ELF file can be malformed gives an <see cref="ElfException"/> of its own kind with a message that
/// says what and where. Each case edits a real clang object (hello_world, -mcpu=v3 -O2) in one place.
/// </summary>
public sealed class ElfLoaderTests
{
    private static byte[] Object() => Contracts.Bytes("v3-O2", "hello_world");

    private static ElfException Refuse(byte[] file, string entry = ElfLoader.DefaultEntrypoint) =>
        Assert.Throws<ElfException>(() => ElfLoader.Load(file, Profile.Tbpf, TosSyscalls.Registry(), entry))!;

    // Field offsets of the ELF64 header and section headers.
    private static ulong SectionHeaders(byte[] f) => BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(40));

    private static int Section(byte[] f, string name)
    {
        var elf = ElfFile.Parse(f);
        return elf.Sections.Single(s => s.Name == name).Index;
    }

    private static Span<byte> Header(byte[] f, int section) => f.AsSpan((int)SectionHeaders(f) + section * 64, 64);

    private static void Set64(Span<byte> at, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(at[offset..], value);

    [Test]
    public void The_fixture_loads()
    {
        var executable = ElfLoader.Load(Object(), Profile.Tbpf, TosSyscalls.Registry());
        Assert.That(executable.FunctionNames.Values, Does.Contain("entrypoint"));
        Assert.That(executable.Instructions.Any(i => i.Op == Op.Call), Is.True, "tos_log linked as a syscall");
    }

    [TestCase(0x7fff_ffff_ffffUL, ElfErrorKind.SectionOutOfBounds, TestName = "NOBITS text claiming 128 TiB")]
    [TestCase(0x8_0000UL, ElfErrorKind.SectionWithoutData, TestName = "NOBITS text claiming 512 KiB")]
    public void A_section_without_file_data_is_refused_before_anything_is_allocated(ulong size, ElfErrorKind kind)
    {
        var file = Object();
        var text = Header(file, Section(file, ".text"));
        BinaryPrimitives.WriteUInt32LittleEndian(text[4..], 8); // SHT_NOBITS
        Set64(text, 32, size);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Refuse(file).Kind, Is.EqualTo(kind));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64 * 1024), "nothing in proportion to the claimed size");
    }

    [Test]
    public void A_huge_alignment_does_not_grow_the_program_region()
    {
        // Found by tbpf fuzz --elf: every section could claim 4 KiB of padding, so a 2 KiB file mapped far more.
        var file = Object();
        var plain = ElfLoader.Load(file, Profile.Tbpf, TosSyscalls.Registry()).ProgramRegion.Length;
        foreach (var section in ElfFile.Parse(file).Sections.Where(s => s.IsAlloc))
        {
            Set64(Header(file, section.Index), 48, 1UL << 40);
        }

        Assert.That(ElfLoader.Load(file, Profile.Tbpf, TosSyscalls.Registry()).ProgramRegion.Length, Is.LessThanOrEqualTo(plain + 64 * 8));
    }

    [Test]
    public void A_read_only_data_section_without_file_data_is_refused()
    {
        var file = Object();
        var rodata = Header(file, ElfFile.Parse(file).Sections.First(s => s.Name.StartsWith(".rodata", StringComparison.Ordinal)).Index);
        BinaryPrimitives.WriteUInt32LittleEndian(rodata[4..], 8);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.SectionWithoutData));
    }

    [Test]
    public void Truncated_header()
    {
        Assert.That(Refuse(Object()[..40]).Kind, Is.EqualTo(ElfErrorKind.Truncated));
    }

    [Test]
    public void Not_an_elf_file()
    {
        Assert.That(Refuse("#!/bin/sh\necho hi\n"u8.ToArray()).Kind, Is.EqualTo(ElfErrorKind.NotElf));
    }

    [TestCase(4, (byte)1, ElfErrorKind.WrongClass, TestName = "32-bit class")]
    [TestCase(5, (byte)2, ElfErrorKind.WrongEndianness, TestName = "Big-endian")]
    [TestCase(18, (byte)62, ElfErrorKind.WrongMachine, TestName = "x86-64 machine")]
    [TestCase(16, (byte)2, ElfErrorKind.WrongType, TestName = "Executable instead of relocatable")]
    public void Wrong_identity(int offset, byte value, ElfErrorKind kind)
    {
        var file = Object();
        file[offset] = value;
        Assert.That(Refuse(file).Kind, Is.EqualTo(kind));
    }

    [TestCase(0UL, TestName = "Section header table past the end")]
    [TestCase(0xffff_ffff_ffff_fff0UL, TestName = "Section header table offset overflows")]
    public void Section_header_table_out_of_bounds(ulong offset)
    {
        var file = Object();
        Set64(file, 40, offset == 0 ? (ulong)file.Length - 8 : offset);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.HeaderTableOutOfBounds));
    }

    [Test]
    public void Program_header_table_out_of_bounds()
    {
        var file = Object();
        Set64(file, 32, 0xffff_ffff_0000_0000);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(56), 3);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.HeaderTableOutOfBounds));
    }

    [Test]
    public void Huge_section_count()
    {
        var file = Object();
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), 60000);
        var error = Refuse(file);
        Assert.That(error.Kind, Is.EqualTo(ElfErrorKind.TooManySections));
        Assert.That(error.Message, Does.Contain("60000"));
    }

    [TestCase(0xffff_ffff_ffff_ff00UL, 0x200UL, TestName = "Section offset plus size overflows")]
    [TestCase(0x10UL, 0x10_0000UL, TestName = "Section runs past the end of the file")]
    public void Section_out_of_bounds(ulong offset, ulong size)
    {
        var file = Object();
        var text = Header(file, Section(file, ".text"));
        Set64(text, 24, offset);
        Set64(text, 32, size);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.SectionOutOfBounds));
    }

    [Test]
    public void Overlapping_sections()
    {
        var file = Object();
        var textOffset = BinaryPrimitives.ReadUInt64LittleEndian(Header(file, Section(file, ".text"))[24..]);
        Set64(Header(file, Section(file, ".rodata.str1.1")), 24, textOffset + 8);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.OverlappingSections));
    }

    [Test]
    public void No_text_section()
    {
        var file = Object();
        Set64(Header(file, Section(file, ".text")), 8, 2); // alloc, not executable
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.NoText));
    }

    [Test]
    public void Several_text_sections()
    {
        var file = Object();
        Set64(Header(file, Section(file, ".rodata.str1.1")), 8, 6); // alloc + executable
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.MultipleTextSections));
    }

    [Test]
    public void Several_text_sections_from_function_sections_say_how_to_fix_it()
    {
        var error = Refuse(File.ReadAllBytes(Path.Combine(Contracts.OutFolder, "fixtures", "function_sections.o")));
        Assert.That(error.Kind, Is.EqualTo(ElfErrorKind.MultipleTextSections));
        Assert.That(error.Message, Does.Contain("-ffunction-sections"));
    }

    [Test]
    public void Text_size_not_a_multiple_of_eight()
    {
        var file = Object();
        var text = Header(file, Section(file, ".text"));
        Set64(text, 32, BinaryPrimitives.ReadUInt64LittleEndian(text[32..]) - 4);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.TextSizeNotMultipleOfSlot));
    }

    private static Span<byte> FirstRelocation(byte[] file)
    {
        var rel = ElfFile.Parse(file).Sections.First(s => s.Type == 9);
        return file.AsSpan((int)rel.Offset, 16);
    }

    [Test]
    public void Relocation_outside_its_section()
    {
        var file = Object();
        Set64(FirstRelocation(file), 0, 0xf_fff0);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.BadRelocation));
    }

    [Test]
    public void Relocation_with_a_bad_symbol_index()
    {
        var file = Object();
        var relocation = FirstRelocation(file);
        BinaryPrimitives.WriteUInt32LittleEndian(relocation[12..], 999);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.BadSymbol));
    }

    [Test]
    public void Unknown_relocation_type()
    {
        var file = Object();
        BinaryPrimitives.WriteUInt32LittleEndian(FirstRelocation(file)[8..], 77);
        var error = Refuse(file);
        Assert.That(error.Kind, Is.EqualTo(ElfErrorKind.UnknownRelocation));
        Assert.That(error.Message, Does.Contain("77"));
    }

    [Test]
    public void Bad_string_table_index_for_section_names()
    {
        var file = Object();
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(62), 99);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.BadName));
    }

    [Test]
    public void Symbol_name_outside_its_string_table()
    {
        var file = Object();
        var symtab = ElfFile.Parse(file).Sections.Single(s => s.Type == 2);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan((int)symtab.Offset + 24), 0xff_ffff);
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.BadName));
    }

    [Test]
    public void Name_without_a_terminating_nul()
    {
        var file = Object();
        var names = Header(file, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(62)));
        var size = BinaryPrimitives.ReadUInt64LittleEndian(names[32..]);
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(names[24..]);
        file[(int)(offset + size - 1)] = (byte)'x'; // the last name loses its NUL
        Assert.That(Refuse(file).Message, Does.Contain("not NUL-terminated"));
    }

    [Test]
    public void Absurdly_long_name()
    {
        // Point the section-name table at 300 'a's appended to the file.
        var file = Object().Concat(Enumerable.Repeat((byte)'a', 300)).Append((byte)0).ToArray();
        var names = Header(file, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(62)));
        Set64(names, 24, (ulong)file.Length - 301);
        Set64(names, 32, 301);
        var error = Refuse(file);
        Assert.That(error.Kind, Is.EqualTo(ElfErrorKind.BadName));
        Assert.That(error.Message, Does.Contain("longer than"));
    }

    [Test]
    public void Writable_data_says_how_to_fix_the_source()
    {
        var error = Refuse(File.ReadAllBytes(Path.Combine(Contracts.OutFolder, "fixtures", "writable_global.o")));
        Assert.That(error.Kind, Is.EqualTo(ElfErrorKind.WritableData));
        Assert.That(error.Message, Does.Contain(".bss").And.Contain("const").And.Contain("storage"));
    }

    [Test]
    public void Unregistered_syscall_is_named()
    {
        var error = Refuse(File.ReadAllBytes(Path.Combine(Contracts.OutFolder, "fixtures", "unknown_syscall.o")));
        Assert.That(error.Kind, Is.EqualTo(ElfErrorKind.UnknownSyscall));
        Assert.That(error.Message, Does.Contain("tos_not_a_syscall"));
    }

    [Test]
    public void Missing_entrypoint_is_named()
    {
        var error = Refuse(Object(), "main");
        Assert.That(error.Kind, Is.EqualTo(ElfErrorKind.NoEntrypoint));
        Assert.That(error.Message, Does.Contain("'main'"));
    }

    [Test]
    public void Larger_than_one_mebibyte()
    {
        var file = Object().Concat(new byte[1024 * 1024]).ToArray();
        Assert.That(Refuse(file).Kind, Is.EqualTo(ElfErrorKind.TooLarge));
    }

    [Test]
    public void Entry_by_another_name()
    {
        var executable = ElfLoader.Load(Contracts.Bytes("v3-O2", "dispatch"), Profile.Tbpf, TosSyscalls.Registry(), "adjust");
        Assert.That(executable.FunctionNames[executable.EntryPc], Is.EqualTo("adjust"));
    }
}
