using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;
using static Tos.Tbpf.Elf.ElfFile;

namespace Tos.Tbpf.Elf.Solana;

/// <summary>
/// sbpf's strict loader for sBPF V3 and later (SIMD-0189): nothing is relocated and section headers are not read. The ELF
/// header must be exactly the expected one, the first five program headers must be the bytecode (at address 0), the
/// read-only data (at 0x1_0000_0000), the stack, the heap and the dynamic symbol table, and the function symbols must tile
/// the bytecode; the entry point must be one of them. The bytecode is not mapped for loads: only callx addresses reach it.
/// </summary>
internal static class StrictSoLoader
{
    private const int HeaderSize = 64, ProgramHeaderSize = ElfProgramHeader.Size, SymbolSize = 24;
    private const ulong RegionSize = 1UL << 32;

    private static readonly (uint Type, uint Flags, ulong Address)[] ExpectedHeaders =
    [
        (ElfProgramHeader.TypeLoad, ElfProgramHeader.FlagExecute, 0),
        (ElfProgramHeader.TypeLoad, ElfProgramHeader.FlagRead, RegionSize),
        (ElfProgramHeader.TypeGnuStack, ElfProgramHeader.FlagRead | ElfProgramHeader.FlagWrite, 2 * RegionSize),
        (ElfProgramHeader.TypeLoad, ElfProgramHeader.FlagRead | ElfProgramHeader.FlagWrite, 3 * RegionSize),
        (ElfProgramHeader.TypeNull, 0, 0xFFFF_FFFF_0000_0000),
    ];

    public static Executable Load(ReadOnlySpan<byte> file, Profile profile, SyscallRegistry syscalls)
    {
        var tableEnd = CheckFileHeader(file);
        var headers = new ElfProgramHeader[ExpectedHeaders.Length];
        for (var i = 0; i < headers.Length; i++)
        {
            headers[i] = ElfProgramHeader.Read(file, HeaderSize + i * ProgramHeaderSize);
            CheckProgramHeader(file, headers[i], ExpectedHeaders[i], tableEnd, i);
        }

        var bytecode = headers[0];
        var functions = Functions(file, bytecode, headers[4]);
        var entry = U64(file, 24);
        if (!bytecode.Contains(entry) || entry % Decoder.SlotSize != 0)
        {
            throw new ElfException(ElfErrorKind.InvalidFileHeader, $"the entry point 0x{entry:x} is not an instruction of the bytecode");
        }

        var entryPc = (long)((entry - bytecode.VirtualAddress) / Decoder.SlotSize);
        if (!functions.ContainsKey(entryPc))
        {
            throw new ElfException(ElfErrorKind.InvalidFileHeader, $"the entry point (slot {entryPc}) does not start a function");
        }

        var text = file.Slice((int)bytecode.Offset, (int)bytecode.FileSize).ToArray();
        var rodata = file.Slice((int)headers[1].Offset, (int)headers[1].FileSize).ToArray();
        var names = functions.ToDictionary(f => f.Key, f => $"function_{f.Key}");
        return new Executable(rodata, text, bytecode.VirtualAddress, entryPc, profile, syscalls, names,
            functions.Keys.ToDictionary(pc => (uint)pc, pc => pc));
    }

    /// <summary>The file header sbpf accepts, field by field; returns where the program header table ends.</summary>
    private static int CheckFileHeader(ReadOnlySpan<byte> file)
    {
        if (file.Length < HeaderSize)
        {
            throw new ElfException(ElfErrorKind.ValueOutOfBounds, $"the file is {file.Length} bytes, shorter than an ELF header");
        }

        var phnum = U16(file, 56);
        var tableEnd = HeaderSize + ProgramHeaderSize * phnum;
        string? problem =
            !file[..4].SequenceEqual("\u007fELF"u8) ? "no ELF magic"
            : file[4] != 2 ? "not 64-bit"
            : file[5] != 1 ? "not little-endian"
            : file[6] != 1 ? "ELF version is not 1"
            : file[7] != 0 ? "OS/ABI is not none"
            : file[8] != 0 || file[9..16].IndexOfAnyExcept((byte)0) >= 0 ? "ABI version or padding is not zero"
            : U16(file, 16) != ElfFile.TypeShared ? "not a shared object (ET_DYN)"
            : U16(file, 18) != ElfFile.MachineSbpf ? $"machine {U16(file, 18)} is not sBPF ({ElfFile.MachineSbpf})"
            : U32(file, 20) != 1 ? "e_version is not 1"
            : U64(file, 32) != HeaderSize ? "the program headers do not follow the ELF header"
            : U16(file, 52) != HeaderSize ? "e_ehsize is not 64"
            : U16(file, 54) != ProgramHeaderSize ? "e_phentsize is not 56"
            : phnum < ExpectedHeaders.Length ? $"{phnum} program headers, fewer than {ExpectedHeaders.Length}"
            : tableEnd >= file.Length ? "the program header table reaches the end of the file"
            : U16(file, 58) != 64 ? "e_shentsize is not 64"
            : U16(file, 62) >= U16(file, 60) ? "e_shstrndx is not below e_shnum"
            : null;
        return problem is null ? tableEnd : throw new ElfException(ElfErrorKind.InvalidFileHeader, $"invalid ELF file header: {problem}");
    }

    private static void CheckProgramHeader(ReadOnlySpan<byte> file, ElfProgramHeader header, (uint Type, uint Flags, ulong Address) expected,
        int tableEnd, int index)
    {
        var fileSize = (expected.Flags & ElfProgramHeader.FlagWrite) != 0 ? 0 : header.MemorySize;
        var ok = header.Type == expected.Type && header.Flags == expected.Flags
            && header.Offset >= (ulong)tableEnd && header.Offset < (ulong)file.Length && header.Offset % 8 == 0
            && header.VirtualAddress == expected.Address && header.PhysicalAddress == expected.Address
            && header.FileSize == fileSize && header.FileSize <= (ulong)file.Length - header.Offset
            && header.MemorySize < RegionSize;
        if (!ok)
        {
            throw new ElfException(ElfErrorKind.InvalidProgramHeader,
                $"program header {index} must be type 0x{expected.Type:x}, flags {expected.Flags}, at 0x{expected.Address:x}, inside the file, "
                + "with file size = memory size (0 if writable)");
        }
    }

    /// <summary>The function symbols of the dynamic symbol table, which must cover the bytecode exactly, in order.</summary>
    private static Dictionary<long, long> Functions(ReadOnlySpan<byte> file, ElfProgramHeader bytecode, ElfProgramHeader symbols)
    {
        if (symbols.FileSize % SymbolSize != 0)
        {
            throw new ElfException(ElfErrorKind.InvalidSize, $"the dynamic symbol table is {symbols.FileSize} bytes, not a multiple of {SymbolSize}");
        }

        var functions = new Dictionary<long, long>();
        var expected = bytecode.VirtualAddress;
        var end = bytecode.VirtualAddress + bytecode.MemorySize;
        for (var at = (int)symbols.Offset; at < (int)(symbols.Offset + symbols.FileSize); at += SymbolSize)
        {
            var info = file[at + 4];
            var value = U64(file, at + 8);
            var size = U64(file, at + 16);
            if ((info & ElfSymbol.TypeFunc) == 0)
            {
                continue;
            }

            if (value != expected)
            {
                throw new ElfException(ElfErrorKind.ValueOutOfBounds, $"function symbol at 0x{value:x} leaves a gap or overlaps; the next must start at 0x{expected:x}");
            }

            if (size == 0 || size % Decoder.SlotSize != 0)
            {
                throw new ElfException(ElfErrorKind.InvalidSize, $"function symbol at 0x{value:x} is {size} bytes, not a positive multiple of 8");
            }

            if (size > end - value)
            {
                throw new ElfException(ElfErrorKind.ValueOutOfBounds, $"function symbol at 0x{value:x} runs past the bytecode");
            }

            var pc = (long)((value - bytecode.VirtualAddress) / Decoder.SlotSize);
            functions[pc] = pc;
            expected = value + size;
        }

        if (expected != end)
        {
            throw new ElfException(ElfErrorKind.ValueOutOfBounds, $"the function symbols cover the bytecode up to 0x{expected:x}, not to its end 0x{end:x}");
        }

        return functions;
    }
}
