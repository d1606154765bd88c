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
        IReadOnlyDictionary<long, string>? relocationNotes = null, Elf.Dwarf.SourceMap? sourceMap = null,
        IReadOnlyDictionary<uint, long>? functionKeys = null)
        : this(programRegion, CheckedText(programRegion, textOffset, textLength), textOffset,
            ((ulong)MemoryMap.ProgramIndex << MemoryMap.RegionShift) + (ulong)textOffset, entryPc, profile, syscalls, functionNames,
            relocationNotes, sourceMap, functionKeys)
    {
    }

    /// <summary>Creates an executable whose text is not in any mapped region (sbpf V3's bytecode region, which loads
    /// cannot reach) and sits at guest address <paramref name="textAddress"/>, where callx finds it; the program region
    /// holds only the read-only data.</summary>
    public Executable(byte[] readOnlyData, byte[] text, ulong textAddress, long entryPc, Profile profile, SyscallRegistry syscalls,
        IReadOnlyDictionary<long, string>? functionNames = null, IReadOnlyDictionary<uint, long>? functionKeys = null)
        : this(readOnlyData, text, -1, textAddress, entryPc, profile, syscalls, functionNames, null, null, functionKeys)
    {
    }

    private Executable(byte[] programRegion, ReadOnlySpan<byte> text, int textOffset, ulong textAddress, long entryPc, Profile profile,
        SyscallRegistry syscalls, IReadOnlyDictionary<long, string>? functionNames, IReadOnlyDictionary<long, string>? relocationNotes,
        Elf.Dwarf.SourceMap? sourceMap, IReadOnlyDictionary<uint, long>? functionKeys)
    {
        ProgramRegion = Pinned(programRegion);
        TextOffset = textOffset;
        TextLength = text.Length;
        TextAddress = textAddress;
        EntryPc = entryPc;
        Profile = profile;
        Syscalls = syscalls;
        FunctionNames = functionNames ?? new Dictionary<long, string>();
        RelocationNotes = relocationNotes ?? new Dictionary<long, string>();
        SourceMap = sourceMap ?? Elf.Dwarf.SourceMap.Empty;
        Instructions = Decoder.Decode(text, profile);
        FunctionKeys = profile.Calls == CallEncoding.SyscallOrFunctionHash
            ? functionKeys ?? RunTimeCalls.EveryInstruction(Instructions, entryPc, syscalls)
            : new Dictionary<uint, long>();
        Code = RunTimeCalls.Resolve(Instructions, profile, syscalls, FunctionKeys);
    }

    private static ReadOnlySpan<byte> CheckedText(byte[] programRegion, int textOffset, int textLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(textOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(textLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)textOffset + textLength, programRegion.LongLength, nameof(textLength));
        return programRegion.AsSpan(textOffset, textLength);
    }

    // On the pinned heap: the JIT maps it into every run without pinning it again.
    private static byte[] Pinned(byte[] bytes)
    {
        var copy = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(copy, 0);
        return copy;
    }

    /// <summary>An executable whose program region is just <paramref name="bytecode"/>, entered at slot 0.</summary>
    public static Executable FromBytecode(byte[] bytecode, Profile profile, SyscallRegistry? syscalls = null) =>
        new(bytecode, 0, bytecode.Length, 0, profile, syscalls ?? SyscallRegistry.Empty);

    /// <summary>Assembles <paramref name="source"/> for <paramref name="profile"/> (see
    /// <see cref="Assembler.Assemble(string, Profile?)"/>) into an executable that starts at the label <c>entrypoint</c>,
    /// or slot 0. Under sbpf V0 a local call is encoded as sbpf's assembler encodes it: call imm = the callee's slot, which
    /// resolves only if the callee is registered (a label <c>function_…</c> or <c>entrypoint</c>, or a
    /// <c>call &lt;offset&gt;</c> target), and callx names its register in imm.</summary>
    public static Executable FromAssembly(string source, Profile profile, SyscallRegistry? syscalls = null) =>
        FromAssembled(Assembler.Assemble(source, profile), profile, syscalls);

    /// <summary>An executable of assembled text, entered at <paramref name="entryPc"/> (by default the label
    /// <c>entrypoint</c>, else slot 0), with the labels as function names; encoded for the profile as
    /// <see cref="FromAssembly"/> says.</summary>
    public static Executable FromAssembled(AssembledProgram program, Profile profile, SyscallRegistry? syscalls = null,
        long? entryPc = null)
    {
        var entry = entryPc ?? (program.Labels.TryGetValue("entrypoint", out var start) ? start : 0);
        syscalls ??= SyscallRegistry.Empty;
        var names = program.Labels.GroupBy(l => l.Value).ToDictionary(g => g.Key, g => g.First().Key);
        if (profile.Calls != CallEncoding.SyscallOrFunctionHash && profile.CallxRegister == CallxRegisterField.Dst)
        {
            var plain = program.ToBytes();
            return new Executable(plain, 0, plain.Length, entry, profile, syscalls, names);
        }

        var (bytes, functions) = EncodeForSbpfV0(program, profile);
        return new Executable(bytes, 0, bytes.Length, entry, profile, syscalls, names,
            functionKeys: profile.Calls == CallEncoding.SyscallOrFunctionHash ? functions : null);
    }

    // sbpf V0 has no relative calls: as sbpf's assembler does, a local call carries its callee's slot as the key, and the
    // functions the assembler registered (AssembledProgram.Functions) are keyed by their slot. Its callx names the
    // register in imm.
    private static (byte[] Bytes, Dictionary<uint, long> Functions) EncodeForSbpfV0(AssembledProgram program, Profile profile)
    {
        var functions = program.Functions.Keys.ToDictionary(pc => (uint)pc, pc => pc);
        var instructions = program.Instructions;
        var rewritten = new Instruction[instructions.Length];
        for (var pc = 0; pc < instructions.Length; pc++)
        {
            var ins = instructions[pc];
            if (ins.Op == Op.Callx && profile.CallxRegister == CallxRegisterField.Imm)
            {
                ins = Encoder.Make(Op.Callx, imm: ins.Dst);
            }
            else if (ins.Op == Op.CallLocal && profile.Calls == CallEncoding.SyscallOrFunctionHash)
            {
                ins = Encoder.Make(Op.Call, imm: unchecked((int)ins.BranchTarget(pc)));
            }

            rewritten[pc] = ins;
        }

        return (Encoder.Encode(rewritten), functions);
    }

    /// <summary>The bytes mapped read-only at <see cref="MemoryMap.ProgramIndex"/>.</summary>
    public byte[] ProgramRegion { get; }

    /// <summary>The first offset of <see cref="ProgramRegion"/> that is mapped: loads below it fault. 0 but for a V0
    /// Solana <c>.so</c>, whose read-only data sbpf maps from its first section on.</summary>
    public int ProgramRegionStart
    {
        get;
        init => field = value >= 0 && value <= ProgramRegion.Length ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>Where the text starts inside the program region, in bytes; -1 when the text is not mapped (sbpf V3).</summary>
    public int TextOffset { get; }

    /// <summary>The text's length in bytes (the verifier insists on a multiple of 8).</summary>
    public int TextLength { get; }

    /// <summary>The decoded text, one entry per slot.</summary>
    public Instruction[] Instructions { get; }

    /// <summary>What the engines run: <see cref="Instructions"/> itself, or for a profile that resolves calls at run time
    /// (<see cref="Profile.CallsResolvedAtRunTime"/>) a copy with each call resolved and, where running off the text is a
    /// run-time error, one <see cref="Op.Trap"/> slot after the last (see <see cref="RunTimeCalls"/>).</summary>
    public Instruction[] Code { get; }

    /// <summary>sbpf V0's function registry: hash key → slot (empty for every other profile).</summary>
    public IReadOnlyDictionary<uint, long> FunctionKeys { get; }

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

    /// <summary>The guest address of the first text slot (what callx targets are measured from).</summary>
    public ulong TextAddress { get; }
}
