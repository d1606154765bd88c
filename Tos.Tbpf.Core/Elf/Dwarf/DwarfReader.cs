using System.Buffers.Binary;
using System.Text;

namespace Tos.Tbpf.Elf.Dwarf;

/// <summary>A bounds-checked cursor over DWARF bytes; running past the end is a <see cref="DwarfFormatException"/>.</summary>
internal ref struct DwarfReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;

    public int Position { get; set; }

    public readonly int Length => _bytes.Length;

    public readonly bool AtEnd => Position >= _bytes.Length;

    public byte U8() => Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public sbyte S8() => (sbyte)U8();

    /// <summary>An unsigned LEB128 (at most 10 bytes; larger values are malformed).</summary>
    public ulong Uleb()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = U8();
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new DwarfFormatException("LEB128 longer than 10 bytes");
    }

    /// <summary>A signed LEB128.</summary>
    public long Sleb()
    {
        long value = 0;
        var shift = 0;
        byte b;
        do
        {
            if (shift >= 70)
            {
                throw new DwarfFormatException("LEB128 longer than 10 bytes");
            }

            b = U8();
            value |= (long)(b & 0x7f) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        return shift < 64 && (b & 0x40) != 0 ? value | (-1L << shift) : value;
    }

    /// <summary>A NUL-terminated string.</summary>
    public string CString()
    {
        var rest = _bytes[Position..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw new DwarfFormatException("string without its terminating NUL");
        }

        Position += end + 1;
        return Encoding.UTF8.GetString(rest[..end]);
    }

    public void Skip(ulong count)
    {
        if (count > (ulong)(_bytes.Length - Position))
        {
            throw new DwarfFormatException("skips past the end of the section");
        }

        Position += (int)count;
    }

    /// <summary>The string at <paramref name="offset"/> of a string section (.debug_str, .debug_line_str).</summary>
    public static string StringAt(ReadOnlySpan<byte> section, ulong offset)
    {
        if (offset >= (ulong)section.Length)
        {
            throw new DwarfFormatException($"string offset {offset} past its section ({section.Length} bytes)");
        }

        var reader = new DwarfReader(section) { Position = (int)offset };
        return reader.CString();
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _bytes.Length - Position)
        {
            throw new DwarfFormatException("reads past the end of the section");
        }

        var taken = _bytes.Slice(Position, count);
        Position += count;
        return taken;
    }
}

/// <summary>Malformed DWARF: caught by the loader, which then has no source map.</summary>
internal sealed class DwarfFormatException(string message) : Exception(message);
