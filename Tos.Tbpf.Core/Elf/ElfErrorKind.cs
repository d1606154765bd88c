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
}

/// <summary>A malformed or unsupported ELF file: the kind of problem and a message naming what and where.</summary>
public sealed class ElfException(ElfErrorKind kind, string message, long? pc = null) : Exception(message)
{
    /// <summary>What is wrong.</summary>
    public ElfErrorKind Kind { get; } = kind;

    /// <summary>The instruction the error is about, when it is about one (a relocation that patches the text).</summary>
    public long? Pc { get; } = pc;
}
