using Tos.Tbpf.Assembly;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Programs;

/// <summary>
/// A loaded, not yet verified program: its program region (text plus read-only data), the decoded text, the
/// entry point, the profile it was built for and the syscalls it may call. Only a
/// <see cref="VerifiedExecutable"/> can be run.
/// </summary>
public sealed class Executable
{
    /// <summary>Creates an executable whose text lies at <paramref name="textOffset"/> in the program region.</summary>
    public Executable(byte[] programRegion, int textOffset, int textLength, long entryPc, Profile profile,
        SyscallRegistry syscalls, IReadOnlyDictionary<long, string>? functionNames = null,
        IReadOnlyDictionary<long, string>? relocationNotes = null, Elf.Dwarf.SourceMap? sourceMap = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(textOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(textLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)textOffset + textLength, programRegion.LongLength, nameof(textLength));
        // On the pinned heap: the JIT maps it into every run without pinning it again.
        ProgramRegion = GC.AllocateUninitializedArray<byte>(programRegion.Length, pinned: true);
        programRegion.CopyTo(ProgramRegion, 0);
        TextOffset = textOffset;
        TextLength = textLength;
        EntryPc = entryPc;
        Profile = profile;
        Syscalls = syscalls;
        FunctionNames = functionNames ?? new Dictionary<long, string>();
        RelocationNotes = relocationNotes ?? new Dictionary<long, string>();
        SourceMap = sourceMap ?? Elf.Dwarf.SourceMap.Empty;
        Instructions = Decoder.Decode(ProgramRegion.AsSpan(textOffset, textLength));
    }

    /// <summary>An executable whose program region is just <paramref name="bytecode"/>, entered at slot 0.</summary>
    public static Executable FromBytecode(byte[] bytecode, Profile profile, SyscallRegistry? syscalls = null) =>
        new(bytecode, 0, bytecode.Length, 0, profile, syscalls ?? SyscallRegistry.Empty);

    /// <summary>Assembles <paramref name="source"/> (see <see cref="Assembler"/>) into an executable.</summary>
    public static Executable FromAssembly(string source, Profile profile, SyscallRegistry? syscalls = null) =>
        FromBytecode(Assembler.AssembleBytes(source), profile, syscalls);

    /// <summary>The bytes mapped read-only at <see cref="MemoryMap.ProgramIndex"/>.</summary>
    public byte[] ProgramRegion { get; }

    /// <summary>Where the text starts inside the program region, in bytes.</summary>
    public int TextOffset { get; }

    /// <summary>The text's length in bytes (the verifier insists on a multiple of 8).</summary>
    public int TextLength { get; }

    /// <summary>The decoded text, one entry per slot.</summary>
    public Instruction[] Instructions { get; }

    /// <summary>The slot execution starts at.</summary>
    public long EntryPc { get; }

    /// <summary>The semantics the program runs under.</summary>
    public Profile Profile { get; }

    /// <summary>What <c>call imm</c> may reach.</summary>
    public SyscallRegistry Syscalls { get; }

    /// <summary>Names of functions by slot (ELF symbols), for the disassembler.</summary>
    public IReadOnlyDictionary<long, string> FunctionNames { get; }

    /// <summary>What the loader linked at each relocated slot (a syscall's or callee's name, a data symbol), for the disassembler.</summary>
    public IReadOnlyDictionary<long, string> RelocationNotes { get; }

    /// <summary>pc → source file, line and function, from the object's DWARF line table (<c>clang -g</c>) and symbols;
    /// empty for assembler text and raw bytecode.</summary>
    public Elf.Dwarf.SourceMap SourceMap { get; }

    /// <summary>The guest address of the first text slot.</summary>
    public ulong TextAddress => ((ulong)MemoryMap.ProgramIndex << MemoryMap.RegionShift) + (ulong)TextOffset;
}
