using System.Buffers.Binary;
using System.Text;

namespace Tos.Tbpf.Fuzzing.Solana;

/// <summary>
/// Builds sBPF V0 shared objects by hand, laid out as Solana's toolchain lays them out: the ELF header, then each section
/// at an 8-aligned file offset equal to its address (.text first, at 0x40), a dynamic section pointing at .rel.dyn, and
/// the section header table last. The tests change one field at a time to reach each of sbpf's load errors; the ELF fuzzer mutates them.
/// </summary>
public sealed class SoBuilder
{
    /// <summary>Where .text starts in the file (and in memory): right after the ELF header.</summary>
    public const int TextOffset = 64;

    /// <summary>The relocation types sbpf applies.</summary>
    public const uint RBpf64 = 1, RBpfRelative = 8, RBpf32 = 10;

    /// <summary>The bytecode.</summary>
    public byte[] Text { get; set; } = [];

    /// <summary>.rodata's bytes (no section when empty).</summary>
    public byte[] Rodata { get; set; } = [];

    /// <summary>.data.rel.ro's bytes (no section when empty).</summary>
    public byte[] DataRelRo { get; set; } = [];

    /// <summary>Dynamic symbols after the null one (index 1 onwards): name, st_info, value (0 = undefined).</summary>
    public List<(string Name, byte Info, ulong Value)> DynamicSymbols { get; } = [];

    /// <summary>The .rel.dyn entries: file offset, type, dynamic symbol index.</summary>
    public List<(ulong Offset, uint Type, uint Symbol)> Relocations { get; } = [];
    /// <summary>Extra sections: name, type, flags, bytes.</summary>
    public List<(string Name, uint Type, ulong Flags, byte[] Bytes)> Extra { get; } = [];
    /// <summary>e_entry (default: the first slot of .text).</summary>
    public ulong? Entry { get; set; }

    /// <summary>e_flags.</summary>
    public uint Flags { get; set; }

    /// <summary>e_machine.</summary>
    public ushort Machine { get; set; } = 247;

    /// <summary>e_type.</summary>
    public ushort Type { get; set; } = 3;

    /// <summary>EI_OSABI.</summary>
    public byte OsAbi { get; set; }
    /// <summary>.text's section type (PROGBITS; NOBITS makes a .text without bytes in the file).</summary>
    public uint TextType { get; set; } = 1;

    /// <summary>Where .text claims to be (its offset by default).</summary>
    public ulong? TextAddress { get; set; }

    /// <summary>Where .rodata lands in the file (and memory), given the text's length.</summary>
    public ulong RodataOffset => Align(TextOffset + (ulong)Text.Length);

    /// <summary>Where .data.rel.ro lands.</summary>
    public ulong DataRelRoOffset => Align(RodataOffset + (ulong)Rodata.Length);

    /// <summary>The file.</summary>
    public byte[] Build()
    {
        var strings = new List<byte>([0]);
        uint Name(string name)
        {
            var at = (uint)strings.Count;
            strings.AddRange(Encoding.ASCII.GetBytes(name));
            strings.Add(0);
            return at;
        }

        var dynstr = new List<byte>([0]);
        var dynsym = new List<byte>(new byte[24]);
        foreach (var (name, info, value) in DynamicSymbols)
        {
            var entry = new byte[24];
            BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)dynstr.Count);
            dynstr.AddRange(Encoding.ASCII.GetBytes(name));
            dynstr.Add(0);
            entry[4] = info;
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(6), (ushort)(value == 0 ? 0 : 1));
            BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(8), value);
            dynsym.AddRange(entry);
        }

        var rel = new List<byte>();
        foreach (var (offset, type, symbol) in Relocations)
        {
            var entry = new byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(entry, offset);
            BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(8), ((ulong)symbol << 32) | type);
            rel.AddRange(entry);
        }

        // (name, type, flags, bytes, link) in file order; .text is section 1.
        var sections = new List<(string Name, uint Type, ulong Flags, byte[] Bytes, uint Link, ulong EntrySize)>
        {
            (".text", TextType, 6, Text, 0, 0),
        };
        if (Rodata.Length > 0) sections.Add((".rodata", 1, 2, Rodata, 0, 0));
        if (DataRelRo.Length > 0) sections.Add((".data.rel.ro", 1, 3, DataRelRo, 0, 0));
        var dynsymIndex = sections.Count + 2; // after .dynstr, 1-based (section 0 is null)
        sections.Add((".dynstr", 3, 2, dynstr.ToArray(), 0, 0));
        sections.Add((".dynsym", 11, 2, dynsym.ToArray(), (uint)sections.Count, 24));
        var relIndex = sections.Count;
        if (rel.Count > 0) sections.Add((".rel.dyn", 9, 2, rel.ToArray(), (uint)(dynsymIndex), 16));
        foreach (var extra in Extra) sections.Add((extra.Name, extra.Type, extra.Flags, extra.Bytes, 0, 0));
        var dynamicAt = sections.Count;
        sections.Add((".dynamic", 6, 3, new byte[80], 0, 16));
        sections.Add((".shstrtab", 3, 0, [], 0, 0));

        var file = new List<byte>(new byte[TextOffset]);
        var offsets = new ulong[sections.Count];
        var names = sections.Select(s => Name(s.Name)).ToArray();
        ulong relOffset = 0;
        for (var i = 0; i < sections.Count; i++)
        {
            while (file.Count % 8 != 0) file.Add(0);
            offsets[i] = (ulong)file.Count;
            if (i == relIndex && rel.Count > 0) relOffset = offsets[i];
            var bytes = sections[i].Name switch
            {
                ".shstrtab" => strings.ToArray(),
                ".dynamic" => Dynamic(relOffset, (ulong)rel.Count, offsets[dynsymIndex - 1]),
                _ => sections[i].Bytes,
            };
            sections[i] = sections[i] with { Bytes = bytes };
            file.AddRange(bytes);
        }

        while (file.Count % 8 != 0) file.Add(0);
        var shoff = (ulong)file.Count;
        file.AddRange(new byte[64]);
        for (var i = 0; i < sections.Count; i++)
        {
            var header = new byte[64];
            var s = sections[i];
            BinaryPrimitives.WriteUInt32LittleEndian(header, names[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), s.Type);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), s.Flags);
            var address = i == 0 && TextAddress is { } claimed ? claimed : offsets[i];
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), address);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(24), offsets[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(32), (ulong)s.Bytes.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), s.Link);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(48), 8);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(56), s.EntrySize);
            file.AddRange(header);
        }

        var elf = file.ToArray();
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2;
        elf[5] = 1;
        elf[6] = 1;
        elf[7] = OsAbi;
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(16), Type);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(18), Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(24), Entry ?? TextOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(40), shoff);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(48), Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(60), (ushort)(sections.Count + 1));
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(62), (ushort)sections.Count);
        return elf;
    }

    private static byte[] Dynamic(ulong relOffset, ulong relBytes, ulong dynsymAddress)
    {
        var dynamic = new byte[80];
        Write(0, 6, dynsymAddress);
        if (relBytes > 0)
        {
            Write(16, 17, relOffset);
            Write(32, 18, relBytes);
            Write(48, 19, 16);
        }

        return dynamic;

        void Write(int at, ulong tag, ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(dynamic.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt64LittleEndian(dynamic.AsSpan(at + 8), value);
        }
    }

    private static ulong Align(ulong value) => (value + 7) & ~7UL;
}
