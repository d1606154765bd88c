using System.Buffers.Binary;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Elf.Solana;

/// <summary>
/// Loads the ET_DYN <c>.so</c> files Solana's toolchain builds, as sbpf's loader does (its <c>src/elf.rs</c>): the file's
/// e_flags must name the profile's sBPF version (<see cref="Profile.SbpfElfFlags"/>); V0 files are read by their section
/// headers and relocated (<see cref="LenientSoLoader"/>), V3 and later by their program headers, unrelocated
/// (<see cref="StrictSoLoader"/>). Every refusal is an <see cref="ElfException"/> with sbpf's error as its kind.
/// </summary>
public static class SolanaElfLoader
{
    /// <summary>The e_flags sbpf reserves (its <c>EF_SBPF_V2</c>), which no profile loads.</summary>
    public const uint ReservedFlags = 0x20;

    /// <summary>Whether <paramref name="file"/> is an ELF shared object (e_type 3), the kind this loader reads.</summary>
    public static bool IsSharedObject(ReadOnlySpan<byte> file) =>
        file.Length >= 18 && file[..4].SequenceEqual("\u007fELF"u8) && BinaryPrimitives.ReadUInt16LittleEndian(file[16..]) == ElfFile.TypeShared;

    /// <summary>Loads <paramref name="file"/> for <paramref name="profile"/> (an sbpf profile).</summary>
    /// <param name="file">The .so file.</param>
    /// <param name="profile">An sbpf profile.</param>
    /// <param name="syscalls">The syscalls it may link.</param>
    /// <param name="allowUnknownSyscalls">Link a call to an unregistered syscall anyway (for disassembling, never for running).</param>
    public static Executable Load(ReadOnlySpan<byte> file, Profile profile, SyscallRegistry syscalls, bool allowUnknownSyscalls = false)
    {
        if (profile.SbpfElfFlags is not { } expected)
        {
            throw new ElfException(ElfErrorKind.WrongType,
                $"a shared object (a Solana .so) runs under sbpfv0, sbpfv3 or sbpfv4, not {profile.Name}");
        }

        if (file.Length > ElfFile.MaxFileSize)
        {
            throw new ElfException(ElfErrorKind.TooLarge, $"the file is {file.Length} bytes; a program may have at most {ElfFile.MaxFileSize}");
        }

        if (file.Length < 52)
        {
            throw new ElfException(ElfErrorKind.ValueOutOfBounds, $"the file is {file.Length} bytes: it ends before its e_flags");
        }

        var flags = BinaryPrimitives.ReadUInt32LittleEndian(file[48..]);
        // sbpf reads any e_flags but the reserved one as V0 when V0 is all it runs; a V3+ file must say its version.
        var matches = profile.StrictElfHeaders ? flags == expected : flags != ReservedFlags;
        if (!matches)
        {
            throw new ElfException(ElfErrorKind.UnsupportedSbpfVersion,
                $"e_flags 0x{flags:x} {Describe(flags)}; the {profile.Name} profile loads {Describe(expected)}");
        }

        return profile.StrictElfHeaders
            ? StrictSoLoader.Load(file, profile, syscalls)
            : LenientSoLoader.Load(file, profile, syscalls, allowUnknownSyscalls);
    }

    private static string Describe(uint flags) => flags switch
    {
        0 => "(sBPF V0, run it with --profile sbpfv0)",
        3 => "(sBPF V3, --profile sbpfv3)",
        4 => "(sBPF V4, --profile sbpfv4)",
        ReservedFlags => "(reserved by sbpf)",
        _ => "(an sBPF version TBPF does not run)",
    };
}
