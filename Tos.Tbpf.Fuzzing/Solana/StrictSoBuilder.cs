using System.Buffers.Binary;

namespace Tos.Tbpf.Fuzzing.Solana;

/// <summary>
/// Builds sBPF V3+ shared objects as SIMD-0189 lays them out: the ELF header, the five program headers (bytecode at 0,
/// read-only data at 0x1_0000_0000, stack, heap, dynamic symbols), then the bytecode, the read-only data and the symbols.
/// The tests change one field at a time to reach each of the strict loader's errors.
/// </summary>
public sealed class StrictSoBuilder
{
    /// <summary>Where the ELF and program headers end, and the bytecode starts.</summary>
    public const int HeadersEnd = 64 + 5 * 56;

    /// <summary>The bytecode (at address 0).</summary>
    public byte[] Bytecode { get; set; } = [];

    /// <summary>The read-only data (at 0x1_0000_0000).</summary>
    public byte[] Rodata { get; set; } = [];
    /// <summary>Function symbols as (address, size); by default one function covering the bytecode.</summary>
    public List<(ulong Value, ulong Size)>? Functions { get; set; }
    /// <summary>e_entry (an address in the bytecode).</summary>
    public ulong Entry { get; set; }

    /// <summary>e_flags: the sBPF version.</summary>
    public uint Flags { get; set; } = 3;

    /// <summary>e_machine.</summary>
    public ushort Machine { get; set; } = 263;
    /// <summary>A hook to change the built file (a header field, say) before it is returned.</summary>
    public Action<byte[]>? Patch { get; set; }

    /// <summary>Where the bytecode is in the file.</summary>
    public ulong BytecodeOffset => HeadersEnd;

    /// <summary>The file.</summary>
    public byte[] Build()
    {
        var functions = Functions ?? [(0, (ulong)Bytecode.Length)];
        var symbols = new byte[24 * (functions.Count + 1)];
        for (var i = 0; i < functions.Count; i++)
        {
            var at = 24 * (i + 1);
            symbols[at + 4] = 0x12; // global function
            BinaryPrimitives.WriteUInt64LittleEndian(symbols.AsSpan(at + 8), functions[i].Value);
            BinaryPrimitives.WriteUInt64LittleEndian(symbols.AsSpan(at + 16), functions[i].Size);
        }

        var rodataOffset = Align((ulong)(HeadersEnd + Bytecode.Length));
        var symbolsOffset = Align(rodataOffset + (ulong)Rodata.Length);
        var file = new byte[symbolsOffset + (ulong)symbols.Length];
        Bytecode.CopyTo(file, HeadersEnd);
        Rodata.CopyTo(file, (int)rodataOffset);
        symbols.CopyTo(file, (int)symbolsOffset);

        "\u007fELF"u8.CopyTo(file);
        file[4] = 2;
        file[5] = 1;
        file[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(16), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(24), Entry);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(48), Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(56), 5);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), 1);
        Header(0, 1, 1, HeadersEnd, 0, (ulong)Bytecode.Length, (ulong)Bytecode.Length);
        Header(1, 1, 4, rodataOffset, 1UL << 32, (ulong)Rodata.Length, (ulong)Rodata.Length);
        Header(2, 0x6474e551, 6, HeadersEnd, 2UL << 32, 0, 0x1000);
        Header(3, 1, 6, HeadersEnd, 3UL << 32, 0, 0x8000);
        Header(4, 0, 0, symbolsOffset, 0xFFFF_FFFF_0000_0000, (ulong)symbols.Length, (ulong)symbols.Length);
        Patch?.Invoke(file);
        return file;

        void Header(int index, uint type, uint flags, ulong offset, ulong address, ulong fileSize, ulong memorySize)
        {
            var at = file.AsSpan(64 + 56 * index);
            BinaryPrimitives.WriteUInt32LittleEndian(at, type);
            BinaryPrimitives.WriteUInt32LittleEndian(at[4..], flags);
            BinaryPrimitives.WriteUInt64LittleEndian(at[8..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(at[16..], address);
            BinaryPrimitives.WriteUInt64LittleEndian(at[24..], address);
            BinaryPrimitives.WriteUInt64LittleEndian(at[32..], fileSize);
            BinaryPrimitives.WriteUInt64LittleEndian(at[40..], memorySize);
        }
    }

    private static ulong Align(ulong value) => (value + 7) & ~7UL;
}
