using System.Buffers.Binary;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Elf;

/// <summary>
/// Loads the ET_REL objects stock clang makes (<c>clang -target bpf -c</c>, DESIGN §6): the text and the read-only
/// data are laid out in the program region, relocations are applied (data addresses, function pointers, syscalls
/// by name), and the entrypoint is found by symbol name. Anything malformed is an <see cref="ElfException"/>.
/// </summary>
public static class ElfLoader
{
    /// <summary>The default entrypoint symbol.</summary>
    public const string DefaultEntrypoint = "entrypoint";

    private const uint RelocationNone = 0, Relocation64 = 1, RelocationAbs64 = 2, RelocationAbs32 = 3, RelocationNoDyld32 = 4,
        Relocation32 = 10;

    /// <summary>Loads <paramref name="file"/>.</summary>
    /// <param name="file">The object file.</param>
    /// <param name="profile">The semantics it runs under (syscalls by name need <see cref="CallEncoding.SyscallHash"/>).</param>
    /// <param name="syscalls">The syscalls it may call; a call to any other name is refused, naming it.</param>
    /// <param name="entrypoint">The function to start at.</param>
    /// <param name="allowUnknownSyscalls">Accept calls to unregistered syscalls (for disassembling, never for running).</param>
    public static Executable Load(ReadOnlySpan<byte> file, Profile profile, SyscallRegistry syscalls,
        string entrypoint = DefaultEntrypoint, bool allowUnknownSyscalls = false)
    {
        if (profile.IsSbpf && Solana.SolanaElfLoader.IsSharedObject(file))
        {
            if (entrypoint != DefaultEntrypoint)
            {
                throw new ElfException(ElfErrorKind.NoEntrypoint, "a Solana .so starts at its e_entry; --entry does not apply");
            }

            return Solana.SolanaElfLoader.Load(file, profile, syscalls, allowUnknownSyscalls);
        }

        var elf = ElfFile.Parse(file);
        var text = FindText(elf);
        RejectWritableData(elf);
        RejectSectionsWithoutData(elf);
        var layout = Layout(elf, text);
        var region = new byte[layout.Size];
        foreach (var (section, at) in layout.Placement)
        {
            elf.Data(section).CopyTo(region.AsSpan(at));
        }

        // Functions and source lines first: an error in a relocation of the text names its pc and line.
        var functions = elf.Symbols.Where(s => s.SectionIndex == text.Index && s.Type == ElfSymbol.TypeFunc && s.Value % 8 == 0 && s.Value < text.Size)
            .GroupBy(s => (long)(s.Value / 8)).ToDictionary(g => g.Key, g => g.First().Name);
        var source = Dwarf.SourceMapReader.Read(elf, (long)(text.Size / 8), functions);
        var notes = new Dictionary<long, string>();
        foreach (var relocations in elf.Sections.Where(s => s.Type == ElfSection.TypeRel))
        {
            if (relocations.Info >= elf.Sections.Count)
            {
                throw new ElfException(ElfErrorKind.BadRelocation, $"{relocations.Name} applies to section {relocations.Info}, which does not exist");
            }

            var target = elf.Sections[(int)relocations.Info];
            if (!layout.Placement.TryGetValue(target, out var targetAt))
            {
                continue; // debug information and other sections that are not loaded
            }

            foreach (var relocation in elf.Relocations(relocations))
            {
                try
                {
                    Apply(elf, layout, region, target, targetAt, text, relocation, profile, syscalls, allowUnknownSyscalls, notes);
                }
                catch (ElfException exception) when (target == text && exception.Pc is null)
                {
                    // Where in the program, in the terms runtime errors use: the pc, and the source line when known.
                    var pc = (long)(relocation.Offset / Decoder.SlotSize);
                    var where = source.Find(pc) is { } location ? $"pc {pc} ({location})" : $"pc {pc}";
                    var message = exception.Message.Replace($" at 0x{relocation.Offset:x}", "", StringComparison.Ordinal);
                    throw new ElfException(exception.Kind, $"{where}: {message}", pc);
                }
            }
        }

        var entry = elf.Symbols.FirstOrDefault(s => s.Name == entrypoint && s.SectionIndex == text.Index);
        if (entry is null || entry.Value % 8 != 0 || entry.Value >= text.Size)
        {
            throw new ElfException(ElfErrorKind.NoEntrypoint, $"no function '{entrypoint}' in {text.Name}; define it or pass its name as the entry");
        }

        var entryPc = (long)(entry.Value / 8);
        return new Executable(region, 0, (int)text.Size, entryPc, profile, syscalls, functions, notes, source,
            profile.Calls == CallEncoding.SyscallOrFunctionHash ? HashLocalCalls(region, (int)text.Size, entryPc, syscalls) : null);
    }

    private static ElfSection FindText(ElfFile elf)
    {
        var texts = elf.Sections.Where(s => s.IsExecutable && s.Size > 0).ToList();
        if (texts.FirstOrDefault(t => !t.HasFileData) is { } empty)
        {
            throw new ElfException(ElfErrorKind.SectionWithoutData,
                $"executable section {empty.Name} claims {empty.Size} bytes but has none in the file (type NOBITS)");
        }

        if (texts.Count == 0)
        {
            throw new ElfException(ElfErrorKind.NoText, "no executable section with instructions");
        }

        if (texts.Count > 1)
        {
            throw new ElfException(ElfErrorKind.MultipleTextSections,
                $"{texts.Count} executable sections ({string.Join(", ", texts.Select(t => t.Name))}); compile without -ffunction-sections so that all code is in .text");
        }

        var text = texts[0];
        if (text.Size % Decoder.SlotSize != 0)
        {
            throw new ElfException(ElfErrorKind.TextSizeNotMultipleOfSlot, $"{text.Name} is {text.Size} bytes, not a multiple of 8");
        }

        return text;
    }

    private static void RejectWritableData(ElfFile elf)
    {
        var writable = elf.Sections.FirstOrDefault(s => s.IsWritable && s.Size > 0);
        if (writable is not null)
        {
            throw new ElfException(ElfErrorKind.WritableData,
                $"section {writable.Name} is writable data ({writable.Size} bytes): contracts cannot have mutable globals; make them const, or keep state in storage with the storage syscalls");
        }
    }

    /// <summary>A loaded section must bring its bytes: one without file data (NOBITS) would make the loader allocate and
    /// decode what the file never paid for. (The writable ones, .bss, were refused above with their own advice.)</summary>
    private static void RejectSectionsWithoutData(ElfFile elf)
    {
        var empty = elf.Sections.FirstOrDefault(s => s.IsAlloc && !s.HasFileData && s.Size > 0);
        if (empty is not null)
        {
            throw new ElfException(ElfErrorKind.SectionWithoutData,
                $"section {empty.Name} is loaded but has no bytes in the file ({empty.Size} claimed, type NOBITS); give it contents or drop it");
        }
    }

    private sealed record SectionLayout(Dictionary<ElfSection, int> Placement, int Size);

    /// <summary>The text first, then every other loaded (alloc, read-only) section at its alignment.</summary>
    private static SectionLayout Layout(ElfFile elf, ElfSection text)
    {
        var placement = new Dictionary<ElfSection, int> { [text] = 0 };
        var size = (long)text.Size;
        foreach (var section in elf.Sections.Where(s => s.IsAlloc && !s.IsExecutable && s.Size > 0))
        {
            // Alignment beyond 64 buys nothing in the VM (every access may be unaligned) and would let a small file claim a
            // large region through padding alone.
            var alignment = (long)Math.Clamp(section.Alignment, 1UL, 64UL);
            size = (size + alignment - 1) / alignment * alignment;
            placement[section] = (int)Math.Min(size, int.MaxValue);
            size += (long)Math.Min(section.Size, (ulong)int.MaxValue);
            if (size > ElfFile.MaxFileSize)
            {
                throw new ElfException(ElfErrorKind.TooLarge, $"the loaded sections need {size} bytes; a contract may have at most {ElfFile.MaxFileSize}");
            }
        }

        return new SectionLayout(placement, (int)size);
    }

    private static void Apply(ElfFile elf, SectionLayout layout, byte[] region, ElfSection target, int targetAt, ElfSection text,
        ElfRelocation relocation, Profile profile, SyscallRegistry syscalls, bool allowUnknownSyscalls, Dictionary<long, string> notes)
    {
        var symbol = elf.Symbols[(int)relocation.Symbol];
        var width = relocation.Type switch
        {
            Relocation64 => 16UL,
            RelocationAbs64 => 8UL,
            RelocationAbs32 or RelocationNoDyld32 => 4UL,
            Relocation32 => 8UL,
            RelocationNone => 0UL,
            _ => throw new ElfException(ElfErrorKind.UnknownRelocation,
                $"relocation type {relocation.Type} at 0x{relocation.Offset:x} in {target.Name} is not supported"),
        };
        if (relocation.Offset > target.Size || width > target.Size - relocation.Offset)
        {
            throw new ElfException(ElfErrorKind.BadRelocation,
                $"relocation at 0x{relocation.Offset:x} patches {width} bytes past the end of {target.Name} ({target.Size} bytes)");
        }

        var at = targetAt + (int)relocation.Offset;
        var slot = region.AsSpan(at);
        var isText = target == text;
        var pc = (long)relocation.Offset / Decoder.SlotSize;
        switch (relocation.Type)
        {
            case RelocationNone:
                return;
            case Relocation64:
            {
                RequireInstruction(isText && relocation.Offset % 8 == 0 && slot[0] == OpcodeTable.LddwCode, relocation, target, "an lddw");
                var addend = BinaryPrimitives.ReadUInt32LittleEndian(slot[4..]);
                var address = AddressOf(elf, layout, symbol, relocation, target) + addend;
                BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], (uint)address);
                BinaryPrimitives.WriteUInt32LittleEndian(slot[12..], (uint)(address >> 32));
                notes[pc] = $"{NameOf(elf, symbol)}+{addend}";
                return;
            }
            case RelocationAbs64:
            {
                var addend = BinaryPrimitives.ReadUInt64LittleEndian(slot);
                BinaryPrimitives.WriteUInt64LittleEndian(slot, AddressOf(elf, layout, symbol, relocation, target) + addend);
                return;
            }
            case RelocationAbs32 or RelocationNoDyld32:
                throw new ElfException(ElfErrorKind.UnknownRelocation,
                    $"32-bit address relocation at 0x{relocation.Offset:x} in {target.Name}: program addresses need 64 bits");
            default:
                RequireInstruction(isText && relocation.Offset % 8 == 0 && slot[0] == OpcodeTable.CallCode, relocation, target, "a call");
                if (symbol.IsUndefined)
                {
                    if (!LinkSyscall(slot, symbol.Name, profile, syscalls, allowUnknownSyscalls, relocation))
                    {
                        notes[pc] = $"{symbol.Name} (not registered)";
                    }

                    return;
                }

                if (symbol.SectionIndex != text.Index)
                {
                    throw new ElfException(ElfErrorKind.BadRelocation, $"call at 0x{relocation.Offset:x} targets {symbol.Name}, which is not code");
                }

                // clang encodes the callee as symbol + (imm + 1) * 8; the VM wants pc + 1 + imm.
                var implicitAddend = ((long)BinaryPrimitives.ReadInt32LittleEndian(slot[4..]) + 1) * Decoder.SlotSize;
                var targetByte = (long)symbol.Value + implicitAddend;
                if (targetByte < 0 || targetByte >= (long)text.Size || targetByte % Decoder.SlotSize != 0)
                {
                    throw new ElfException(ElfErrorKind.BadRelocation, $"call at 0x{relocation.Offset:x} lands outside {text.Name}");
                }

                slot[1] = (byte)((slot[1] & 0x0f) | (1 << 4));
                BinaryPrimitives.WriteInt32LittleEndian(slot[4..], (int)(targetByte / Decoder.SlotSize - pc - 1));
                notes[pc] = symbol.Name;
                return;
        }
    }

    /// <summary>sbpf V0 has no relative calls: as its loader does, each local call (src 1) becomes a call by the hash key
    /// of its target slot (the entry point's key is the hash of <c>entrypoint</c>); returns the function registry.</summary>
    private static Dictionary<uint, long> HashLocalCalls(byte[] region, int textLength, long entryPc, SyscallRegistry syscalls)
    {
        var functions = new Solana.FunctionKeys(syscalls);
        functions.Register(RunTimeCalls.EntrypointKey, entryPc, "entrypoint");
        for (var pc = 0; pc < textLength / Decoder.SlotSize; pc++)
        {
            var slot = region.AsSpan(pc * Decoder.SlotSize, Decoder.SlotSize);
            if (slot[0] != OpcodeTable.CallCode || slot[1] >> 4 != 1)
            {
                continue;
            }

            var target = pc + 1L + BinaryPrimitives.ReadInt32LittleEndian(slot[4..]);
            var key = target == entryPc ? RunTimeCalls.EntrypointKey : RunTimeCalls.FunctionKey(target);
            functions.Register(key, target, $"function_{target}");
            slot[1] &= 0x0f;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], key);
        }

        return functions.Keys.ToDictionary();
    }

    /// <summary>Points the call at the syscall's hash; returns whether the syscall is registered.</summary>
    private static bool LinkSyscall(Span<byte> slot, string name, Profile profile, SyscallRegistry syscalls, bool allowUnknown,
        ElfRelocation relocation)
    {
        if (profile.Calls is not (CallEncoding.SyscallHash or CallEncoding.SyscallOrFunctionHash))
        {
            throw new ElfException(ElfErrorKind.UnknownSyscall, $"call to '{name}': syscalls by name need a profile that calls by hash (tbpf, sbpf*)");
        }

        var key = Murmur3.HashName(name);
        var registered = syscalls.TryGet(key, out _);
        if (!allowUnknown && !registered)
        {
            throw new ElfException(ElfErrorKind.UnknownSyscall,
                $"call at 0x{relocation.Offset:x} to '{name}', which is not a registered syscall");
        }

        slot[1] = (byte)(slot[1] & 0x0f);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], key);
        return registered;
    }

    // Section symbols have no name of their own: they stand for their section.
    private static string NameOf(ElfFile elf, ElfSymbol symbol) =>
        symbol.Type == ElfSymbol.TypeSection && symbol.SectionIndex < elf.Sections.Count ? elf.Sections[symbol.SectionIndex].Name : symbol.Name;

    private static ulong AddressOf(ElfFile elf, SectionLayout layout, ElfSymbol symbol, ElfRelocation relocation, ElfSection target)
    {
        if (symbol.IsUndefined || symbol.SectionIndex >= elf.Sections.Count
            || !layout.Placement.TryGetValue(elf.Sections[symbol.SectionIndex], out var placed))
        {
            throw new ElfException(ElfErrorKind.BadSymbol,
                $"relocation at 0x{relocation.Offset:x} in {target.Name} refers to '{symbol.Name}', which is not in a loaded section");
        }

        return ((ulong)MemoryMap.ProgramIndex << MemoryMap.RegionShift) + (ulong)placed + symbol.Value;
    }

    private static void RequireInstruction(bool ok, ElfRelocation relocation, ElfSection target, string what)
    {
        if (!ok)
        {
            throw new ElfException(ElfErrorKind.BadRelocation, $"relocation at 0x{relocation.Offset:x} in {target.Name} does not patch {what}");
        }
    }
}
