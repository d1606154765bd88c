namespace Tos.Tbpf.Elf;

/// <summary>Why an ELF file was refused.</summary>
public enum ElfErrorKind
{
    /// <summary>The file ends inside a structure it declares.</summary>
    Truncated,
    /// <summary>No ELF magic.</summary>
    NotElf,
    /// <summary>Not a 64-bit ELF.</summary>
    WrongClass,
    /// <summary>Not little-endian.</summary>
    WrongEndianness,
    /// <summary>Not an eBPF object (EM_BPF).</summary>
    WrongMachine,
    /// <summary>Not a relocatable object (ET_REL).</summary>
    WrongType,
    /// <summary>The file is larger than a contract may be.</summary>
    TooLarge,
    /// <summary>The section or program header table lies outside the file, overflows, or has a bad entry size.</summary>
    HeaderTableOutOfBounds,
    /// <summary>More sections than any contract needs.</summary>
    TooManySections,
    /// <summary>A section's data lies outside the file or its offset + size overflows.</summary>
    SectionOutOfBounds,
    /// <summary>Two sections share bytes of the file.</summary>
    OverlappingSections,
    /// <summary>A name is not NUL-terminated inside its string table, or is absurdly long.</summary>
    BadName,
    /// <summary>No executable section.</summary>
    NoText,
    /// <summary>More than one executable section.</summary>
    MultipleTextSections,
    /// <summary>The text's size is not a multiple of 8.</summary>
    TextSizeNotMultipleOfSlot,
    /// <summary>A writable data section (.data, .bss): contracts keep state in storage.</summary>
    WritableData,
    /// <summary>A symbol table entry or reference is invalid.</summary>
    BadSymbol,
    /// <summary>A relocation lies outside its section, or patches the wrong kind of instruction.</summary>
    BadRelocation,
    /// <summary>A relocation type the loader does not handle.</summary>
    UnknownRelocation,
    /// <summary>A call to a syscall that is not registered.</summary>
    UnknownSyscall,
    /// <summary>The entrypoint symbol is missing or not a function in the text.</summary>
    NoEntrypoint,
    /// <summary>A loaded section (code or data) has no bytes in the file (NOBITS) but claims a size.</summary>
    SectionWithoutData,

    // sbpf's load errors for Solana .so files (its ElfError and ElfParserError variants; docs/solana.md has the table).

    /// <summary>An OS/ABI other than none (sbpf's <c>WrongAbi</c>).</summary>
    WrongAbi,
    /// <summary>The file's e_flags name an sBPF version the profile does not run (<c>UnsupportedSBPFVersion</c>).</summary>
    UnsupportedSbpfVersion,
    /// <summary>Not exactly one section named .text (<c>NotOneTextSection</c>).</summary>
    NotOneTextSection,
    /// <summary>The entry point is outside .text (<c>EntrypointOutOfBounds</c>).</summary>
    EntrypointOutOfBounds,
    /// <summary>The entry point is not on an instruction (<c>InvalidEntrypoint</c>).</summary>
    InvalidEntrypoint,
    /// <summary>A call's relative target is outside .text (<c>RelativeJumpOutOfBounds</c>).</summary>
    RelativeJumpOutOfBounds,
    /// <summary>Two functions, or a function and a syscall, share a hash key (<c>SymbolHashCollision</c>).</summary>
    SymbolHashCollision,
    /// <summary>A call to a symbol that is neither a function of the file nor a registered syscall (<c>UnresolvedSymbol</c>).</summary>
    UnresolvedSymbol,
    /// <summary>A relocation names a symbol the dynamic symbol table does not have (<c>UnknownSymbol</c>).</summary>
    UnknownSymbol,
    /// <summary>A relocation of an address that is zero (<c>InvalidVirtualAddress</c>).</summary>
    InvalidVirtualAddress,
    /// <summary>An offset, address or size outside what it must lie in (<c>ValueOutOfBounds</c>).</summary>
    ValueOutOfBounds,
    /// <summary>The strict (V3+) file header is not the one expected (<c>InvalidFileHeader</c>).</summary>
    InvalidFileHeader,
    /// <summary>The strict (V3+) program headers are not the five expected (<c>InvalidProgramHeader</c>).</summary>
    InvalidProgramHeader,
    /// <summary>A size that is zero or not a multiple of its unit (<c>InvalidSize</c>).</summary>
    InvalidSize,
    /// <summary>The dynamic section or a table it points to is malformed (<c>FailedToParse</c>).</summary>
    FailedToParse,
}

/// <summary>A malformed or unsupported ELF file: the kind of problem and a message naming what and where.</summary>
public sealed class ElfException(ElfErrorKind kind, string message, long? pc = null) : Exception(message)
{
    /// <summary>What is wrong.</summary>
    public ElfErrorKind Kind { get; } = kind;

    /// <summary>The instruction the error is about, when it is about one (a relocation that patches the text).</summary>
    public long? Pc { get; } = pc;
}
