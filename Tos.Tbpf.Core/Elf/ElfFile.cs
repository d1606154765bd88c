using System.Buffers.Binary;
using System.Text;

namespace Tos.Tbpf.Elf;

/// <summary>One section header, validated against the file.</summary>
internal sealed record ElfSection(int Index, string Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info,
    ulong Alignment, ulong EntrySize)
{
    public const uint TypeNull = 0, TypeProgBits = 1, TypeSymTab = 2, TypeStrTab = 3, TypeRela = 4, TypeNoBits = 8, TypeRel = 9;
    public const ulong FlagWrite = 1, FlagAlloc = 2, FlagExec = 4;

    public bool IsAlloc => (Flags & FlagAlloc) != 0;

    public bool IsExecutable => IsAlloc && (Flags & FlagExec) != 0;

    public bool IsWritable => IsAlloc && (Flags & FlagWrite) != 0;

    /// <summary>Whether the section's bytes are in the file (NOBITS sections have none).</summary>
    public bool HasFileData => Type is not (TypeNoBits or TypeNull);

    /// <summary>sh_addr: where the section is meant to be in memory.</summary>
    public ulong Address { get; init; }
}

/// <summary>A symbol, validated: its section index is either special or a real section.</summary>
internal sealed record ElfSymbol(int Index, string Name, byte Info, ushort SectionIndex, ulong Value, ulong Size)
{
    public const byte TypeFunc = 2, TypeSection = 3;

    public byte Type => (byte)(Info & 0xf);

    public bool IsUndefined => SectionIndex == 0;
}

/// <summary>A REL relocation entry.</summary>
internal readonly record struct ElfRelocation(ulong Offset, uint Type, uint Symbol);

/// <summary>A program header, as the file states it (bounds are the reader's business).</summary>
internal readonly record struct ElfProgramHeader(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong PhysicalAddress,
    ulong FileSize, ulong MemorySize)
{
    public const uint TypeNull = 0, TypeLoad = 1, TypeDynamic = 2, TypeGnuStack = 0x6474e551;
    public const uint FlagExecute = 1, FlagWrite = 2, FlagRead = 4;

    /// <summary>The size of one program header in the file.</summary>
    public const int Size = 56;

    /// <summary>Whether <paramref name="address"/> lies in <c>[vaddr, vaddr + memsz)</c>.</summary>
    public bool Contains(ulong address) => address >= VirtualAddress && address - VirtualAddress < MemorySize;

    /// <summary>The program header at <paramref name="at"/> (the caller has checked that its 56 bytes are in <paramref name="file"/>).</summary>
    public static ElfProgramHeader Read(ReadOnlySpan<byte> file, int at) =>
        new(ElfFile.U32(file, at), ElfFile.U32(file, at + 4), ElfFile.U64(file, at + 8), ElfFile.U64(file, at + 16),
            ElfFile.U64(file, at + 24), ElfFile.U64(file, at + 32), ElfFile.U64(file, at + 40));
}

/// <summary>What kind of object a reader expects.</summary>
internal enum ElfObjectKind
{
    /// <summary>An ET_REL object from clang for eBPF (machine 247).</summary>
    Relocatable,
    /// <summary>An ET_DYN shared object from Solana's toolchain (machine 247 or 263, sBPF).</summary>
    SolanaShared,
}

/// <summary>
/// A bounds-checked reader of 64-bit little-endian ELF objects. Every offset, size and count the file claims is
/// checked against the file before it is used, so a malformed file gives an <see cref="ElfException"/>, never
/// another exception, and nothing is allocated in proportion to a claimed size.
/// </summary>
internal sealed class ElfFile
{
    public const int MaxFileSize = 1024 * 1024;
    public const int MaxSections = 256;
    public const int MaxNameLength = 256;
    private const int HeaderSize = 64, SectionHeaderSize = 64, SymbolSize = 24, RelocationSize = 16;
    private const int ProgramHeaderSize = ElfProgramHeader.Size;
    public const ushort MachineBpf = 247, MachineSbpf = 263, TypeRelocatable = 1, TypeShared = 3;
    public const uint TypeDynSym = 11, TypeDynamic = 6;

    private readonly byte[] _file;

    private ElfFile(byte[] file, List<ElfSection> sections, List<ElfSymbol> symbols, List<ElfSymbol> dynamicSymbols,
        List<ElfProgramHeader> programHeaders)
    {
        _file = file;
        Sections = sections;
        Symbols = symbols;
        DynamicSymbols = dynamicSymbols;
        ProgramHeaders = programHeaders;
    }

    /// <summary>The symbols of the dynamic symbol table (SHT_DYNSYM), empty when there is none.</summary>
    public IReadOnlyList<ElfSymbol> DynamicSymbols { get; }

    /// <summary>The program headers (their table is inside the file; what they point at is not checked).</summary>
    public IReadOnlyList<ElfProgramHeader> ProgramHeaders { get; }

    /// <summary>The whole file (a private copy).</summary>
    public byte[] Bytes => _file;

    /// <summary>The ELF header's e_entry.</summary>
    public ulong Entry => U64(_file, 24);

    /// <summary>The ELF header's e_flags.</summary>
    public uint Flags => U32(_file, 48);

    public IReadOnlyList<ElfSection> Sections { get; }

    public IReadOnlyList<ElfSymbol> Symbols { get; }

    public ReadOnlySpan<byte> Data(ElfSection section) =>
        section.HasFileData ? _file.AsSpan((int)section.Offset, (int)section.Size) : [];

    public static ElfFile Parse(ReadOnlySpan<byte> bytes) => Parse(bytes, ElfObjectKind.Relocatable);

    public static ElfFile Parse(ReadOnlySpan<byte> bytes, ElfObjectKind kind)
    {
        if (bytes.Length > MaxFileSize)
        {
            throw new ElfException(ElfErrorKind.TooLarge, $"the file is {bytes.Length} bytes; a contract may have at most {MaxFileSize}");
        }

        if (bytes.Length < 4 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
        {
            throw new ElfException(ElfErrorKind.NotElf, "the file does not start with the ELF magic \\x7fELF");
        }

        if (bytes.Length < HeaderSize)
        {
            throw new ElfException(ElfErrorKind.Truncated, $"the file is {bytes.Length} bytes, shorter than the {HeaderSize}-byte ELF header");
        }

        if (bytes[4] != 2)
        {
            throw new ElfException(ElfErrorKind.WrongClass, $"ELF class {bytes[4]}: only 64-bit objects (class 2) are contracts");
        }

        if (bytes[5] != 1)
        {
            throw new ElfException(ElfErrorKind.WrongEndianness, $"ELF data encoding {bytes[5]}: only little-endian (1) is supported");
        }

        var type = U16(bytes, 16);
        var machine = U16(bytes, 18);
        var solana = kind == ElfObjectKind.SolanaShared;
        if (solana && bytes[7] != 0)
        {
            throw new ElfException(ElfErrorKind.WrongAbi, $"OS/ABI {bytes[7]}: a Solana program has none (0)");
        }

        if (machine != MachineBpf && !(solana && machine == MachineSbpf))
        {
            throw new ElfException(ElfErrorKind.WrongMachine, solana
                ? $"machine {machine} is neither eBPF ({MachineBpf}) nor sBPF ({MachineSbpf})"
                : $"machine {machine} is not eBPF ({MachineBpf}); compile with clang -target bpf");
        }

        if (type != (solana ? TypeShared : TypeRelocatable))
        {
            throw new ElfException(ElfErrorKind.WrongType, solana
                ? $"ELF type {type} is not a shared object (3), which Solana's toolchain makes"
                : type == TypeShared
                    ? "ELF type 3 is a shared object (a Solana .so): run it with --profile sbpfv0, sbpfv3 or sbpfv4"
                    : $"ELF type {type} is not a relocatable object (1); load the .o that clang -c produces");
        }

        var phoff = U64(bytes, 32);
        var phnum = U16(bytes, 56);
        CheckTable(bytes, phoff, phnum, U16(bytes, 54), "program header", ProgramHeaderSize, allowEmpty: true);
        var shoff = U64(bytes, 40);
        var shnum = U16(bytes, 60);
        if (shnum > MaxSections)
        {
            throw new ElfException(ElfErrorKind.TooManySections, $"{shnum} sections; a contract may have at most {MaxSections}");
        }

        CheckTable(bytes, shoff, shnum, U16(bytes, 58), "section header", SectionHeaderSize, allowEmpty: false);
        var file = bytes.ToArray();
        var raw = new List<(uint Name, ElfSection Section)>();
        for (var i = 0; i < shnum; i++)
        {
            var at = (int)shoff + i * SectionHeaderSize;
            var section = new ElfSection(i, "", U32(file, at + 4), U64(file, at + 8), U64(file, at + 24), U64(file, at + 32),
                U32(file, at + 40), U32(file, at + 44), U64(file, at + 48), U64(file, at + 56)) { Address = U64(file, at + 16) };
            if (section.HasFileData && (section.Offset > (ulong)file.Length || section.Size > (ulong)file.Length - section.Offset))
            {
                throw new ElfException(ElfErrorKind.SectionOutOfBounds,
                    $"section {i}: bytes [0x{section.Offset:x}, +0x{section.Size:x}) lie outside the {file.Length}-byte file");
            }

            // A section without bytes in the file (NOBITS, NULL) still claims a size: hold it to the same limit.
            if (!section.HasFileData && section.Size > MaxFileSize)
            {
                throw new ElfException(ElfErrorKind.SectionOutOfBounds,
                    $"section {i} claims 0x{section.Size:x} bytes without file data; a contract may have at most {MaxFileSize}");
            }

            raw.Add((U32(file, at), section));
        }

        var programHeaders = new List<ElfProgramHeader>(phnum);
        for (var i = 0; i < phnum; i++)
        {
            programHeaders.Add(ElfProgramHeader.Read(file, (int)phoff + i * ProgramHeaderSize));
        }

        if (solana)
        {
            SbpfParserRules(file, raw.Select(r => r.Section).ToList(), programHeaders, phoff, shoff, shnum);
        }

        CheckOverlaps(raw.Select(r => r.Section).ToList(), shoff, shnum);
        var shstrndx = U16(file, 62);
        if (shstrndx >= shnum || raw[shstrndx].Section.Type != ElfSection.TypeStrTab)
        {
            throw new ElfException(ElfErrorKind.BadName, $"the section-name string table index {shstrndx} is not a string table");
        }

        var names = raw[shstrndx].Section;
        // sbpf reads section names of at most 15 bytes (16 with the NUL), symbol names of at most 63.
        var sectionNameLimit = solana ? SbpfSectionNameLimit : MaxNameLength;
        var sections = raw.Select(r => r.Section with
        {
            Name = ReadName(file, names, r.Name, $"section {r.Section.Index}", sectionNameLimit, solana),
        }).ToList();
        if (solana && sections.GroupBy(s => s.Name).Any(g => g.Key is ".symtab" or ".strtab" or ".dynstr" && g.Count() > 1))
        {
            throw new ElfException(ElfErrorKind.FailedToParse, "invalid section header: .symtab, .strtab or .dynstr appears twice");
        }

        var symbols = ReadSymbols(file, sections, ElfSection.TypeSymTab, solana);
        var dynamicSymbols = solana ? ReadSymbols(file, sections, TypeDynSym, solana) : [];
        return new ElfFile(file, sections, symbols, dynamicSymbols, programHeaders);
    }

    /// <summary>REL entries at <c>[offset, offset + size)</c> of the file (a dynamic relocation table), or null when that
    /// range is not inside the file or not a whole number of entries.</summary>
    public List<ElfRelocation>? RelocationsAt(ulong offset, ulong size)
    {
        if (size % RelocationSize != 0 || offset > (ulong)_file.Length || size > (ulong)_file.Length - offset)
        {
            return null;
        }

        var list = new List<ElfRelocation>((int)(size / RelocationSize));
        for (var at = offset; at < offset + size; at += RelocationSize)
        {
            var info = U64(_file, (int)at + 8);
            list.Add(new ElfRelocation(U64(_file, (int)at), (uint)info, (uint)(info >> 32)));
        }

        return list;
    }

    /// <summary>The REL entries of a relocation section, each checked to name an existing symbol.</summary>
    public IEnumerable<ElfRelocation> Relocations(ElfSection section)
    {
        if (section.EntrySize != RelocationSize || section.Size % RelocationSize != 0)
        {
            throw new ElfException(ElfErrorKind.BadRelocation,
                $"relocation section {section.Name}: entry size {section.EntrySize}, size {section.Size}; expected {RelocationSize}-byte entries");
        }

        for (var at = section.Offset; at < section.Offset + section.Size; at += RelocationSize)
        {
            var info = U64(_file, (int)at + 8);
            var relocation = new ElfRelocation(U64(_file, (int)at), (uint)info, (uint)(info >> 32));
            if (relocation.Symbol >= Symbols.Count)
            {
                throw new ElfException(ElfErrorKind.BadSymbol,
                    $"relocation at 0x{relocation.Offset:x} in {section.Name} names symbol {relocation.Symbol}; the table has {Symbols.Count}");
            }

            yield return relocation;
        }
    }

    private static void CheckTable(ReadOnlySpan<byte> bytes, ulong offset, int count, int entrySize, string what, int expectedEntrySize,
        bool allowEmpty)
    {
        if (count == 0)
        {
            if (allowEmpty)
            {
                return;
            }

            throw new ElfException(ElfErrorKind.HeaderTableOutOfBounds, $"the {what} table is empty");
        }

        if (entrySize != expectedEntrySize)
        {
            throw new ElfException(ElfErrorKind.HeaderTableOutOfBounds, $"{what} entries are {entrySize} bytes, not {expectedEntrySize}");
        }

        var length = (ulong)count * (ulong)entrySize;
        if (offset > (ulong)bytes.Length || length > (ulong)bytes.Length - offset)
        {
            throw new ElfException(ElfErrorKind.HeaderTableOutOfBounds,
                $"the {what} table [0x{offset:x}, +{length}) lies outside the {bytes.Length}-byte file");
        }
    }

    private static void CheckOverlaps(List<ElfSection> sections, ulong shoff, int shnum)
    {
        var ranges = sections.Where(s => s.HasFileData && s.Size > 0)
            .Select(s => (Start: s.Offset, End: s.Offset + s.Size, What: $"section {s.Index}"))
            .Append((Start: 0UL, End: (ulong)HeaderSize, What: "the ELF header"))
            .Append((Start: shoff, End: shoff + (ulong)shnum * SectionHeaderSize, What: "the section header table"))
            .OrderBy(r => r.Start).ToList();
        for (var i = 1; i < ranges.Count; i++)
        {
            if (ranges[i].Start < ranges[i - 1].End)
            {
                throw new ElfException(ElfErrorKind.OverlappingSections, $"{ranges[i].What} overlaps {ranges[i - 1].What}");
            }
        }
    }

    private static List<ElfSymbol> ReadSymbols(byte[] file, List<ElfSection> sections, uint tableType, bool solana = false)
    {
        var tables = sections.Where(s => s.Type == tableType).ToList();
        if (tables.Count == 0)
        {
            return [];
        }

        if (tables.Count > 1)
        {
            throw new ElfException(ElfErrorKind.BadSymbol, "more than one symbol table");
        }

        var table = tables[0];
        if (table.EntrySize != SymbolSize || table.Size % SymbolSize != 0)
        {
            throw new ElfException(ElfErrorKind.BadSymbol, $"symbol entries are {table.EntrySize} bytes, not {SymbolSize}");
        }

        if (table.Link >= sections.Count || sections[(int)table.Link].Type != ElfSection.TypeStrTab)
        {
            throw new ElfException(ElfErrorKind.BadName, $"the symbol table's string table index {table.Link} is not a string table");
        }

        var strings = sections[(int)table.Link];
        var symbols = new List<ElfSymbol>();
        for (var i = 0; i < (int)(table.Size / SymbolSize); i++)
        {
            var at = (int)table.Offset + i * SymbolSize;
            var shndx = U16(file, at + 6);
            // 0 = undefined; 0xfff1 = absolute (file symbols); anything else must be a real section.
            if (shndx != 0 && shndx < 0xff00 && shndx >= sections.Count)
            {
                throw new ElfException(ElfErrorKind.BadSymbol, $"symbol {i} points to section {shndx}; there are {sections.Count}");
            }

            var name = ReadName(file, strings, U32(file, at), $"symbol {i}", solana ? SbpfSymbolNameLimit : MaxNameLength, solana);
            symbols.Add(new ElfSymbol(i, name, file[at + 4], shndx, U64(file, at + 8), U64(file, at + 16)));
        }

        return symbols;
    }

    private static string ReadName(byte[] file, ElfSection table, uint offset, string owner, int maxLength, bool solana)
    {
        if (offset >= table.Size)
        {
            throw new ElfException(ElfErrorKind.BadName, $"{owner}: name offset {offset} is outside its {table.Size}-byte string table");
        }

        var start = (int)(table.Offset + offset);
        var limit = (int)Math.Min(table.Size - offset, (ulong)maxLength + 1);
        var length = file.AsSpan(start, limit).IndexOf((byte)0);
        if (length < 0)
        {
            throw new ElfException(solana ? ElfErrorKind.FailedToParse : ElfErrorKind.BadName, limit > maxLength
                ? $"{owner}: name longer than {maxLength} bytes"
                : $"{owner}: name is not NUL-terminated inside its string table");
        }

        return Encoding.UTF8.GetString(file, start, length);
    }

    // sbpf's limits, counted as here without the NUL: its parser looks for the NUL within 16 and 64 bytes.
    private const int SbpfSectionNameLimit = 15, SbpfSymbolNameLimit = 63;

    /// <summary>What sbpf's ELF parser (its <c>Elf64::parse</c>) refuses beyond this reader's own checks: a header whose
    /// versions or size are not the current ones, header tables overlapping the ELF header or each other, a first section
    /// that is not NULL, sections (but NOBITS) out of file order or overlapping a header table, and PT_LOAD program
    /// headers out of address order or past the file.</summary>
    private static void SbpfParserRules(byte[] file, List<ElfSection> sections, List<ElfProgramHeader> headers, ulong phoff,
        ulong shoff, int shnum)
    {
        if (file[6] != 1 || U32(file, 20) != 1 || U16(file, 52) != HeaderSize)
        {
            throw new ElfException(ElfErrorKind.FailedToParse, "invalid file header: the ELF version or header size is not the current one");
        }

        var fileHeader = (Start: 0UL, End: (ulong)HeaderSize);
        var programHeaders = (Start: phoff, End: phoff + (ulong)headers.Count * ProgramHeaderSize);
        var sectionHeaders = (Start: shoff, End: shoff + (ulong)shnum * SectionHeaderSize);
        if (Overlap(fileHeader, programHeaders) || Overlap(fileHeader, sectionHeaders) || Overlap(programHeaders, sectionHeaders))
        {
            throw new ElfException(ElfErrorKind.FailedToParse, "values overlap: the ELF header and the header tables share bytes");
        }

        if (sections[0].Type != ElfSection.TypeNull)
        {
            throw new ElfException(ElfErrorKind.FailedToParse, "invalid section header: the first section is not NULL");
        }

        ulong? previousAddress = null;
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            if (header.Type != ElfProgramHeader.TypeLoad)
            {
                continue;
            }

            if (header.VirtualAddress < previousAddress)
            {
                throw new ElfException(ElfErrorKind.InvalidProgramHeader, $"program header {i}: PT_LOAD headers must ascend by address");
            }

            if (header.Offset > (ulong)file.Length || header.FileSize > (ulong)file.Length - header.Offset)
            {
                throw new ElfException(ElfErrorKind.ValueOutOfBounds, $"program header {i} reaches past the end of the file");
            }

            previousAddress = header.VirtualAddress;
        }

        var end = 0UL;
        foreach (var section in sections.Where(s => s.Type != ElfSection.TypeNoBits))
        {
            var range = (Start: section.Offset, End: section.Offset + section.Size);
            if (Overlap(range, fileHeader) || Overlap(range, programHeaders) || Overlap(range, sectionHeaders))
            {
                throw new ElfException(ElfErrorKind.FailedToParse, $"values overlap: section {section.Index} shares bytes with a header");
            }

            if (range.Start < end)
            {
                throw new ElfException(ElfErrorKind.FailedToParse, $"sections not in ascending order: section {section.Index}");
            }

            end = range.End;
        }

        // sbpf's overlap test: two ranges are apart when one ends at or before the other starts (so an empty range is
        // apart from another only at or beyond its ends).
        static bool Overlap((ulong Start, ulong End) a, (ulong Start, ulong End) b) => !(a.End <= b.Start || b.End <= a.Start);
    }

    internal static ushort U16(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);

    internal static uint U32(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);

    internal static ulong U64(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
}
