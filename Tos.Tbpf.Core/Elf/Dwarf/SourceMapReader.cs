using System.Buffers.Binary;

namespace Tos.Tbpf.Elf.Dwarf;

/// <summary>
/// Builds an object's <see cref="SourceMap"/>: the line table of <c>.debug_line</c>, with the relocations an
/// unlinked object carries for it applied (the addresses in the text and the offsets into <c>.debug_line_str</c>
/// arrive as relocations against section symbols), and the function symbols. Debug information is optional and
/// untrusted: an absent or malformed table gives a map of functions only, never a load error.
/// </summary>
internal static class SourceMapReader
{
    private const uint RelocationAbs64 = 2, RelocationAbs32 = 3;

    public static SourceMap Read(ElfFile elf, long textSlots, IReadOnlyDictionary<long, string> functions)
    {
        var lines = elf.Sections.FirstOrDefault(s => s.Name == ".debug_line" && s.HasFileData);
        if (lines is null)
        {
            return functions.Count == 0 ? SourceMap.Empty : new SourceMap([], [], functions);
        }

        try
        {
            var table = Relocated(elf, lines);
            var (rows, files) = LineTable.Parse(table, Data(elf, ".debug_line_str"), Data(elf, ".debug_str"));
            var inText = rows.Where(r => r.Pc >= 0 && r.Pc <= textSlots).ToList();
            return new SourceMap(inText, [.. files], functions);
        }
        catch (Exception exception) when (exception is DwarfFormatException or ElfException)
        {
            return new SourceMap([], [], functions);
        }
    }

    private static ReadOnlySpan<byte> Data(ElfFile elf, string name) =>
        elf.Sections.FirstOrDefault(s => s.Name == name && s.HasFileData) is { } section ? elf.Data(section) : [];

    // A copy of the section with each 32- and 64-bit absolute relocation resolved: the symbol's value (0 for the section
    // symbols clang uses) plus the addend stored in place.
    private static byte[] Relocated(ElfFile elf, ElfSection target)
    {
        var bytes = elf.Data(target).ToArray();
        foreach (var relocations in elf.Sections.Where(s => s.Type == ElfSection.TypeRel && s.Info == (uint)target.Index))
        {
            foreach (var relocation in elf.Relocations(relocations))
            {
                var width = relocation.Type switch { RelocationAbs64 => 8UL, RelocationAbs32 => 4UL, _ => 0UL };
                if (width == 0 || relocation.Offset > (ulong)bytes.Length || width > (ulong)bytes.Length - relocation.Offset)
                {
                    continue;
                }

                var slot = bytes.AsSpan((int)relocation.Offset);
                var value = elf.Symbols[(int)relocation.Symbol].Value;
                if (width == 8)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(slot, value + BinaryPrimitives.ReadUInt64LittleEndian(slot));
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(slot, (uint)(value + BinaryPrimitives.ReadUInt32LittleEndian(slot)));
                }
            }
        }

        return bytes;
    }
}
