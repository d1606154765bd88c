using System.Buffers.Binary;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Elf.Solana;

/// <summary>
/// sbpf's lenient loader for sBPF V0 <c>.so</c> files (section-header based, relocated), with its strict options on
/// (<c>reject_broken_elfs</c>, <c>optimize_rodata</c>): one <c>.text</c>; no <c>.bss</c> or writable <c>.data</c>; every
/// section inside the file; read-only sections (<c>.text</c>, <c>.rodata</c>, <c>.data.rel.ro</c>, <c>.eh_frame</c>) at
/// addresses equal to their file offsets, below the stack; relative calls rewritten to the callee's hash key; the dynamic
/// relocations <c>R_BPF_64_64</c>, <c>R_BPF_64_RELATIVE</c> and <c>R_BPF_64_32</c> (syscalls by name hash, functions by
/// slot hash) applied.
/// </summary>
internal static class LenientSoLoader
{
    private const ulong RodataStart = 1UL << 32, StackStart = 2UL << 32;
    private const uint RelocationBpf64 = 1, RelocationRelative = 8, RelocationBpf32 = 10;
    private const long DynamicNull = 0, DynamicSymbolTable = 6, DynamicRel = 17, DynamicRelSize = 18, DynamicRelEntry = 19,
        DynamicTagCount = 35;
    private static readonly string[] ReadOnlySections = [".text", ".rodata", ".data.rel.ro", ".eh_frame"];

    public static Executable Load(ReadOnlySpan<byte> file, Profile profile, SyscallRegistry syscalls, bool allowUnknownSyscalls)
    {
        var elf = ElfFile.Parse(file, ElfObjectKind.SolanaShared);
        var text = Validate(elf);
        // A .text without bytes in the file (NOBITS) has none to run, as sbpf reads it (its file range is empty).
        var textSize = text.HasFileData ? text.Size : 0;
        var bytes = (byte[])elf.Bytes.Clone();
        var functions = new FunctionKeys(syscalls);
        var notes = new Dictionary<long, string>();
        RelocateCalls(bytes, text.Offset, textSize, functions, notes);
        var dynamic = DynamicTable(elf);
        var symbols = DynamicSymbols(elf, dynamic);
        foreach (var relocation in DynamicRelocations(elf, dynamic))
        {
            Relocate(symbols, bytes, text, textSize, relocation, syscalls, allowUnknownSyscalls, functions, notes);
        }

        var offset = elf.Entry - Math.Min(elf.Entry, text.Address);
        if (offset % Decoder.SlotSize != 0)
        {
            throw new ElfException(ElfErrorKind.InvalidEntrypoint, $"the entry point 0x{elf.Entry:x} is not on an instruction of .text");
        }

        var entryPc = (long)(offset / Decoder.SlotSize);
        functions.Remove(RunTimeCalls.EntrypointKey);
        functions.Register(RunTimeCalls.EntrypointKey, entryPc, "entrypoint");
        var (region, start) = ReadOnlyRegion(elf, bytes);
        var names = elf.DynamicSymbols.Concat(elf.Symbols)
            .Where(s => s.Type == ElfSymbol.TypeFunc && s.Value >= text.Address && s.Value - text.Address < textSize && s.Name.Length > 0)
            .GroupBy(s => (long)((s.Value - text.Address) / Decoder.SlotSize)).ToDictionary(g => g.Key, g => g.First().Name);
        return new Executable(region, (int)text.Address, (int)textSize, entryPc, profile, syscalls, names, notes,
            functionKeys: functions.Keys) { ProgramRegionStart = start };
    }

    /// <summary>sbpf's <c>validate</c>: one .text, no writable data, every section inside the file, the entry in .text,
    /// and .text at an address equal to its offset and below the stack.</summary>
    private static ElfSection Validate(ElfFile elf)
    {
        var texts = elf.Sections.Where(s => s.Name == ".text").ToList();
        if (texts.Count != 1)
        {
            throw new ElfException(ElfErrorKind.NotOneTextSection,
                $"{texts.Count} sections named .text; a Solana program has exactly one (do not build with -function-sections)");
        }

        foreach (var section in elf.Sections)
        {
            var writable = (section.Flags & ElfSection.FlagWrite) != 0;
            if (section.Name.StartsWith(".bss", StringComparison.Ordinal)
                || (writable && section.Name.StartsWith(".data", StringComparison.Ordinal) && !section.Name.StartsWith(".data.rel", StringComparison.Ordinal)))
            {
                throw new ElfException(ElfErrorKind.WritableData, $"found writable section ({section.Name}): read-write data is not supported");
            }

            if (section.Offset > (ulong)elf.Bytes.Length || section.Size > (ulong)elf.Bytes.Length - section.Offset)
            {
                throw new ElfException(ElfErrorKind.ValueOutOfBounds,
                    $"section {section.Name} claims [0x{section.Offset:x}, +0x{section.Size:x}), outside the {elf.Bytes.Length}-byte file");
            }
        }

        var text = texts[0];
        if (elf.Entry < text.Address || elf.Entry - text.Address >= text.Size)
        {
            throw new ElfException(ElfErrorKind.EntrypointOutOfBounds, $"the entry point 0x{elf.Entry:x} is outside .text");
        }

        if (text.Address != text.Offset || text.Address > StackStart - RodataStart)
        {
            throw new ElfException(ElfErrorKind.ValueOutOfBounds,
                $".text is at address 0x{text.Address:x} but file offset 0x{text.Offset:x}; sBPF V0 needs them equal and below the stack");
        }

        return text;
    }

    /// <summary>Every call whose imm is not -1 is relative: it becomes a call by the callee's key (the hash of its slot).</summary>
    private static void RelocateCalls(byte[] bytes, ulong textOffset, ulong textSize, FunctionKeys functions, Dictionary<long, string> notes)
    {
        var slots = (long)(textSize / Decoder.SlotSize);
        for (var pc = 0L; pc < slots; pc++)
        {
            var slot = bytes.AsSpan((int)textOffset + (int)pc * Decoder.SlotSize, Decoder.SlotSize);
            var imm = BinaryPrimitives.ReadInt32LittleEndian(slot[4..]);
            if (slot[0] != OpcodeTable.CallCode || imm == -1)
            {
                continue;
            }

            var target = pc + 1 + imm;
            if (target < 0 || target >= slots)
            {
                throw new ElfException(ElfErrorKind.RelativeJumpOutOfBounds, $"pc {pc}: the call's target slot {target} is outside .text", pc);
            }

            var key = RunTimeCalls.FunctionKey(target);
            functions.Register(key, target, $"function_{target}");
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], key);
            notes[pc] = $"call function_{target}";
        }
    }

    private static void Relocate(IReadOnlyList<ElfSymbol> symbols, byte[] bytes, ElfSection text, ulong textSize, ElfRelocation relocation,
        SyscallRegistry syscalls, bool allowUnknownSyscalls, FunctionKeys functions, Dictionary<long, string> notes)
    {
        var at = relocation.Offset;
        var inText = at >= text.Offset && at - text.Offset < textSize;
        var pc = inText ? (long)((at - text.Offset) / Decoder.SlotSize) : (long?)null;
        switch (relocation.Type)
        {
            case RelocationBpf64:
            {
                // lddw of a symbol's address: imm (low) + the symbol's value, rooted in the program region.
                var symbol = Symbol(symbols, relocation);
                var address = symbol.Value + Read32(bytes, at + 4);
                if (address < RodataStart)
                {
                    address += RodataStart;
                }

                Write32(bytes, at + 4, (uint)address);
                Write32(bytes, at + 12, (uint)(address >> 32));
                if (pc is { } lddw)
                {
                    notes[lddw] = symbol.Name;
                }

                return;
            }
            case RelocationRelative when inText:
            {
                var address = ((ulong)Read32(bytes, at + 12) << 32) | Read32(bytes, at + 4);
                if (address == 0)
                {
                    throw new ElfException(ElfErrorKind.InvalidVirtualAddress, $"pc {pc}: a relative relocation of the address 0", pc);
                }

                if (address < RodataStart)
                {
                    address += RodataStart;
                }

                Write32(bytes, at + 4, (uint)address);
                Write32(bytes, at + 12, (uint)(address >> 32));
                return;
            }
            case RelocationRelative:
                // In data: old toolchains wrote the 32-bit address in the high half; sbpf keeps reading it there for V0.
                Write64(bytes, at, RodataStart + Read32(bytes, at + 4));
                return;
            case RelocationBpf32:
            {
                var symbol = Symbol(symbols, relocation);
                uint key;
                if (symbol.Type == ElfSymbol.TypeFunc && symbol.Value != 0)
                {
                    if (symbol.Value < text.Address || symbol.Value - text.Address >= text.Size)
                    {
                        throw new ElfException(ElfErrorKind.ValueOutOfBounds, $"call to {symbol.Name}, whose address 0x{symbol.Value:x} is outside .text", pc);
                    }

                    var target = (long)((symbol.Value - text.Address) / Decoder.SlotSize);
                    key = symbol.Name == "entrypoint" ? RunTimeCalls.EntrypointKey : RunTimeCalls.FunctionKey(target);
                    functions.Register(key, target, symbol.Name);
                }
                else
                {
                    key = Murmur3.HashName(symbol.Name);
                    if (!syscalls.TryGet(key, out _) && !allowUnknownSyscalls)
                    {
                        throw new ElfException(ElfErrorKind.UnresolvedSymbol,
                            $"unresolved symbol ({symbol.Name}) at instruction #{at / Decoder.SlotSize} (ELF file offset 0x{at:x}): no such syscall", pc);
                    }
                }

                Write32(bytes, at + 4, key);
                if (pc is { } call)
                {
                    notes[call] = syscalls.TryGet(key, out _) || symbol.Type == ElfSymbol.TypeFunc ? symbol.Name : $"{symbol.Name} (not registered)";
                }

                return;
            }
            default:
                throw new ElfException(ElfErrorKind.UnknownRelocation, $"relocation type {relocation.Type} at 0x{at:x} is not one sbpf applies", pc);
        }
    }

    private static ElfSymbol Symbol(IReadOnlyList<ElfSymbol> symbols, ElfRelocation relocation) =>
        relocation.Symbol < symbols.Count
            ? symbols[(int)relocation.Symbol]
            : throw new ElfException(ElfErrorKind.UnknownSymbol,
                $"relocation at 0x{relocation.Offset:x} names dynamic symbol {relocation.Symbol}; the table has {symbols.Count}");

    /// <summary>The dynamic table's values by tag (tags past DT_NUM ignored, up to DT_NULL), from the PT_DYNAMIC program
    /// header when it gives a whole table inside the file, else from the SHT_DYNAMIC section, as sbpf's parser reads it;
    /// empty for a static file.</summary>
    private static ulong[] DynamicTable(ElfFile elf)
    {
        var table = new ulong[DynamicTagCount];
        var bytes = elf.Bytes;
        ReadOnlySpan<byte> entries = default;
        var found = false;
        if (elf.ProgramHeaders.FirstOrDefault(h => h.Type == ElfProgramHeader.TypeDynamic) is { Type: ElfProgramHeader.TypeDynamic } header
            && header.Offset <= (ulong)bytes.Length && header.FileSize <= (ulong)bytes.Length - header.Offset && header.FileSize % 16 == 0)
        {
            entries = bytes.AsSpan((int)header.Offset, (int)header.FileSize);
            found = true;
        }
        else if (elf.Sections.FirstOrDefault(s => s.Type == ElfFile.TypeDynamic) is { } section)
        {
            if (section.Size % 16 != 0)
            {
                throw new ElfException(ElfErrorKind.FailedToParse, "invalid dynamic section table: not a whole number of entries");
            }

            entries = elf.Data(section);
            found = true;
        }

        for (var at = 0; found && at + 16 <= entries.Length; at += 16)
        {
            var tag = BinaryPrimitives.ReadUInt64LittleEndian(entries[at..]);
            if (tag == DynamicNull)
            {
                break;
            }

            if (tag < DynamicTagCount)
            {
                table[tag] = BinaryPrimitives.ReadUInt64LittleEndian(entries[(at + 8)..]);
            }
        }

        return table;
    }

    /// <summary>The symbols DT_SYMTAB points at (the section at that address, a symbol table), or none without DT_SYMTAB.</summary>
    private static IReadOnlyList<ElfSymbol> DynamicSymbols(ElfFile elf, ulong[] dynamic)
    {
        var address = dynamic[DynamicSymbolTable];
        if (address == 0)
        {
            return [];
        }

        var section = elf.Sections.FirstOrDefault(s => s.Address == address)
            ?? throw new ElfException(ElfErrorKind.FailedToParse, $"invalid dynamic section table: no section at DT_SYMTAB 0x{address:x}");
        return section.Type switch
        {
            ElfFile.TypeDynSym => elf.DynamicSymbols,
            ElfSection.TypeSymTab => elf.Symbols,
            _ => throw new ElfException(ElfErrorKind.FailedToParse, $"invalid section header: DT_SYMTAB points at {section.Name}, not a symbol table"),
        };
    }

    /// <summary>The REL table the dynamic table points to (DT_REL, DT_RELSZ, DT_RELENT), found through the program header
    /// that maps it or else the section at that address; none without DT_REL.</summary>
    private static List<ElfRelocation> DynamicRelocations(ElfFile elf, ulong[] dynamic)
    {
        var (rel, size, entrySize) = (dynamic[DynamicRel], dynamic[DynamicRelSize], dynamic[DynamicRelEntry]);
        if (rel == 0)
        {
            return [];
        }

        if (entrySize != 16 || size == 0)
        {
            throw new ElfException(ElfErrorKind.FailedToParse, $"the dynamic section's relocation table has entries of {entrySize} bytes and {size} bytes in all");
        }

        ulong offset;
        if (elf.ProgramHeaders.FirstOrDefault(h => h.Type == ElfProgramHeader.TypeLoad && h.Contains(rel)) is { MemorySize: > 0 } load)
        {
            offset = rel - load.VirtualAddress + load.Offset;
        }
        else if (elf.Sections.FirstOrDefault(s => s.Address == rel && s.Type != ElfSection.TypeNull) is { } section)
        {
            offset = section.Offset;
        }
        else
        {
            throw new ElfException(ElfErrorKind.FailedToParse, $"no program header or section holds the relocation table at 0x{rel:x}");
        }

        return elf.RelocationsAt(offset, size)
            ?? throw new ElfException(ElfErrorKind.FailedToParse, $"the relocation table [0x{offset:x}, +{size}) is not inside the file");
    }

    /// <summary>sbpf's <c>parse_ro_sections</c>: the read-only sections, at their addresses (equal to their offsets), below
    /// the stack and not overlapping; the file's bytes between them when they are consecutive sections, zeros otherwise.
    /// Returns the region and its first mapped offset (the lowest section's address): loads below it fault, as in sbpf,
    /// whose region starts there.</summary>
    private static (byte[] Region, int Start) ReadOnlyRegion(ElfFile elf, byte[] relocated)
    {
        var sections = elf.Sections.Where(s => ReadOnlySections.Contains(s.Name)).ToList();
        ulong lowest = ulong.MaxValue, highest = 0, filled = 0;
        foreach (var section in sections)
        {
            if (section.Address != section.Offset || section.Address > StackStart - RodataStart)
            {
                throw new ElfException(ElfErrorKind.ValueOutOfBounds,
                    $"read-only section {section.Name} is at address 0x{section.Address:x}, file offset 0x{section.Offset:x}; they must be equal");
            }

            var size = section.HasFileData ? section.Size : 0;
            lowest = Math.Min(lowest, section.Address);
            highest = Math.Max(highest, section.Address + size);
            filled += size;
        }

        if (sections.Count == 0 || lowest + filled > highest)
        {
            throw new ElfException(ElfErrorKind.ValueOutOfBounds, "the read-only sections overlap");
        }

        var region = new byte[highest];
        var consecutive = sections[^1].Index - sections[0].Index + 1 == sections.Count;
        if (consecutive)
        {
            relocated.AsSpan((int)lowest, (int)(highest - lowest)).CopyTo(region.AsSpan((int)lowest));
        }
        else
        {
            foreach (var section in sections.Where(s => s.HasFileData))
            {
                relocated.AsSpan((int)section.Offset, (int)section.Size).CopyTo(region.AsSpan((int)section.Address));
            }
        }

        return (region, (int)lowest);
    }

    private static uint Read32(byte[] bytes, ulong at) =>
        at <= (ulong)bytes.Length - 4 && bytes.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at)) : throw OutOfBounds(at);

    private static void Write32(byte[] bytes, ulong at, uint value)
    {
        if (bytes.Length < 4 || at > (ulong)bytes.Length - 4)
        {
            throw OutOfBounds(at);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)at), value);
    }

    private static void Write64(byte[] bytes, ulong at, ulong value)
    {
        if (bytes.Length < 8 || at > (ulong)bytes.Length - 8)
        {
            throw OutOfBounds(at);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)at), value);
    }

    private static ElfException OutOfBounds(ulong at) =>
        new(ElfErrorKind.ValueOutOfBounds, $"a relocation reaches offset 0x{at:x}, outside the file");
}
