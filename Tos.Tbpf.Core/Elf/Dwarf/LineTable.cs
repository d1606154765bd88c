namespace Tos.Tbpf.Elf.Dwarf;

/// <summary>
/// Reads the line programs of <c>.debug_line</c> (DWARF versions 2 to 5, 32- and 64-bit formats) into rows of pc, file
/// and line. Every read is bounds-checked and every loop consumes input, so a malformed or hostile table costs at most
/// a pass over its bytes and ends in <see cref="DwarfFormatException"/>.
/// </summary>
internal static class LineTable
{
    /// <summary>More rows than this (over every unit) is not a line table for a program that fits in a VM.</summary>
    public const int MaxRows = 1 << 20;

    private const int LnctPath = 1, LnctDirectoryIndex = 2;
    private const int FormBlock = 0x09, FormData1 = 0x0b, FormData2 = 0x05, FormData4 = 0x06, FormData8 = 0x07, FormData16 = 0x1e,
        FormString = 0x08, FormStrp = 0x0e, FormLineStrp = 0x1f, FormUdata = 0x0f, FormStrx = 0x1a, FormStrx1 = 0x25,
        FormStrx2 = 0x26, FormStrx3 = 0x27, FormStrx4 = 0x28;

    /// <summary>The rows of every unit, and the file names their file indexes point into.</summary>
    public static (List<LineRow> Rows, List<string> Files) Parse(ReadOnlySpan<byte> section, ReadOnlySpan<byte> lineStrings,
        ReadOnlySpan<byte> strings)
    {
        var rows = new List<LineRow>();
        var files = new List<string>();
        var reader = new DwarfReader(section);
        while (!reader.AtEnd)
        {
            var length = (ulong)reader.U32();
            var offsetSize = 4;
            if (length == 0xffff_ffff)
            {
                length = reader.U64();
                offsetSize = 8;
            }

            var unitStart = reader.Position;
            if (length > (ulong)(reader.Length - unitStart))
            {
                throw new DwarfFormatException("a line table unit runs past the section");
            }

            var unitEnd = unitStart + (int)length;
            var unit = new DwarfReader(section[..unitEnd]) { Position = unitStart };
            ParseUnit(ref unit, offsetSize, lineStrings, strings, rows, files);
            reader.Position = unitEnd;
        }

        return (rows, files);
    }

    private static void ParseUnit(ref DwarfReader reader, int offsetSize, ReadOnlySpan<byte> lineStrings, ReadOnlySpan<byte> strings,
        List<LineRow> rows, List<string> files)
    {
        var version = reader.U16();
        if (version is < 2 or > 5)
        {
            throw new DwarfFormatException($"line table version {version}");
        }

        var addressSize = 8;
        if (version >= 5)
        {
            addressSize = reader.U8();
            reader.U8(); // segment selector size
        }

        var headerLength = offsetSize == 8 ? reader.U64() : reader.U32();
        var programStart = reader.Position;
        reader.Skip(headerLength);
        var programAt = reader.Position;
        reader.Position = programStart;
        var minimumInstructionLength = reader.U8();
        if (version >= 4)
        {
            reader.U8(); // maximum operations per instruction (VLIW only)
        }

        reader.U8(); // default is_stmt
        var lineBase = reader.S8();
        var lineRange = reader.U8();
        var opcodeBase = reader.U8();
        if (lineRange == 0 || opcodeBase == 0)
        {
            throw new DwarfFormatException("line_range or opcode_base is 0");
        }

        var standardLengths = new byte[opcodeBase];
        for (var i = 1; i < opcodeBase; i++)
        {
            standardLengths[i] = reader.U8();
        }

        var fileBase = files.Count;
        if (version >= 5)
        {
            var directories = ReadEntries(ref reader, offsetSize, lineStrings, strings, null);
            files.AddRange(ReadEntries(ref reader, offsetSize, lineStrings, strings, directories));
        }
        else
        {
            var directories = new List<string> { "." };
            for (var directory = reader.CString(); directory.Length > 0; directory = reader.CString())
            {
                directories.Add(directory);
            }

            for (var name = reader.CString(); name.Length > 0; name = reader.CString())
            {
                var directory = reader.Uleb();
                reader.Uleb(); // modification time
                reader.Uleb(); // length
                files.Add(Join(directory < (ulong)directories.Count ? directories[(int)directory] : ".", name));
            }

            // Before version 5, file 1 is the first entry.
            fileBase--;
        }

        reader.Position = programAt;
        RunProgram(ref reader, addressSize, minimumInstructionLength, lineBase, lineRange, opcodeBase, standardLengths,
            fileBase, rows, files);
    }

    /// <summary>A version 5 directory or file table: the entry format, then the entries.</summary>
    private static List<string> ReadEntries(ref DwarfReader reader, int offsetSize, ReadOnlySpan<byte> lineStrings,
        ReadOnlySpan<byte> strings, List<string>? directories)
    {
        var formatCount = reader.U8();
        var format = new (ulong Content, ulong Form)[formatCount];
        for (var i = 0; i < formatCount; i++)
        {
            format[i] = (reader.Uleb(), reader.Uleb());
        }

        var count = reader.Uleb();
        if (count > (ulong)reader.Length)
        {
            throw new DwarfFormatException($"{count} entries in a table of {reader.Length} bytes");
        }

        var entries = new List<string>((int)count);
        for (ulong entry = 0; entry < count; entry++)
        {
            string? path = null;
            ulong directory = 0;
            foreach (var (content, form) in format)
            {
                var (text, number) = ReadForm(ref reader, form, offsetSize, lineStrings, strings);
                if (content == LnctPath)
                {
                    path = text;
                }
                else if (content == LnctDirectoryIndex)
                {
                    directory = number;
                }
            }

            path ??= "?";
            entries.Add(directories is null ? path : Join(directory < (ulong)directories.Count ? directories[(int)directory] : ".", path));
        }

        return entries;
    }

    private static (string? Text, ulong Number) ReadForm(ref DwarfReader reader, ulong form, int offsetSize, ReadOnlySpan<byte> lineStrings,
        ReadOnlySpan<byte> strings)
    {
        ulong Offset(ref DwarfReader r) => offsetSize == 8 ? r.U64() : r.U32();
        switch (form)
        {
            case FormString:
                return (reader.CString(), 0);
            case FormLineStrp:
                return (DwarfReader.StringAt(lineStrings, Offset(ref reader)), 0);
            case FormStrp:
                return (DwarfReader.StringAt(strings, Offset(ref reader)), 0);
            case FormUdata:
                return (null, reader.Uleb());
            case FormData1:
                return (null, reader.U8());
            case FormData2:
                return (null, reader.U16());
            case FormData4:
                return (null, reader.U32());
            case FormData8:
                return (null, reader.U64());
            case FormData16:
                reader.Skip(16);
                return (null, 0);
            case FormBlock:
                reader.Skip(reader.Uleb());
                return (null, 0);
            // Indexes into .debug_str_offsets, which the line table alone cannot resolve: the name stays unknown.
            case FormStrx:
                reader.Uleb();
                return ("?", 0);
            case FormStrx1:
                reader.Skip(1);
                return ("?", 0);
            case FormStrx2:
                reader.Skip(2);
                return ("?", 0);
            case FormStrx3:
                reader.Skip(3);
                return ("?", 0);
            case FormStrx4:
                reader.Skip(4);
                return ("?", 0);
            default:
                throw new DwarfFormatException($"form 0x{form:x} in a file table");
        }
    }

    private static void RunProgram(ref DwarfReader reader, int addressSize, byte minimumInstructionLength, sbyte lineBase,
        byte lineRange, byte opcodeBase, byte[] standardLengths, int fileBase, List<LineRow> rows, List<string> files)
    {
        ulong address = 0;
        long file = 1, line = 1;
        void Emit(List<LineRow> into, bool end)
        {
            if (into.Count >= MaxRows)
            {
                throw new DwarfFormatException("more line table rows than any program has");
            }

            var index = fileBase + file;
            // Addresses are byte offsets into the text; a pc is a slot.
            into.Add(new LineRow((long)(address / 8), index >= 0 && index < files.Count ? (int)index : -1,
                line is > 0 and <= int.MaxValue ? (int)line : 0, end));
        }

        while (!reader.AtEnd)
        {
            var opcode = reader.U8();
            if (opcode >= opcodeBase)
            {
                var adjusted = opcode - opcodeBase;
                address += (ulong)(adjusted / lineRange) * minimumInstructionLength;
                line += lineBase + adjusted % lineRange;
                Emit(rows, end: false);
                continue;
            }

            switch (opcode)
            {
                case 0:
                {
                    var length = reader.Uleb();
                    var start = reader.Position;
                    if (length == 0)
                    {
                        continue;
                    }

                    var sub = reader.U8();
                    switch (sub)
                    {
                        case 1: // end_sequence
                            Emit(rows, end: true);
                            (address, file, line) = (0, 1, 1);
                            break;
                        case 2: // set_address
                            address = addressSize == 8 ? reader.U64() : addressSize == 4 ? reader.U32()
                                : throw new DwarfFormatException($"address size {addressSize}");
                            break;
                    }

                    reader.Position = start;
                    reader.Skip(length);
                    break;
                }

                case 1: // copy
                    Emit(rows, end: false);
                    break;
                case 2: // advance_pc
                    address += reader.Uleb() * minimumInstructionLength;
                    break;
                case 3: // advance_line
                    line += reader.Sleb();
                    break;
                case 4: // set_file
                    file = (long)Math.Min(reader.Uleb(), int.MaxValue);
                    break;
                case 8: // const_add_pc
                    address += (ulong)((255 - opcodeBase) / lineRange) * minimumInstructionLength;
                    break;
                case 9: // fixed_advance_pc
                    address += reader.U16();
                    break;
                default:
                    // set_column, set_isa and any opcode this reader does not know: skip its operands.
                    for (var i = 0; i < standardLengths[opcode]; i++)
                    {
                        reader.Uleb();
                    }

                    break;
            }
        }
    }

    private static string Join(string directory, string name) =>
        name.StartsWith('/') || directory is "" or "." ? name : $"{directory.TrimEnd('/')}/{name}";
}
