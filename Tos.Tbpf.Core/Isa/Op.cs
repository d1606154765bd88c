namespace Tos.Tbpf.Isa;

/// <summary>
/// A decoded eBPF operation: the opcode byte refined by the field that disambiguates it (offset for
/// <c>sdiv</c>/<c>smod</c>/<c>movsx</c>, imm for byte swaps and atomics, src for calls), so that each
/// engine needs exactly one flat switch. The encodings live in <see cref="OpcodeTable"/>.
/// </summary>
// The members are named after their mnemonic, width and source; OpcodeTable documents each one's encoding.
#pragma warning disable CS1591
public enum Op : byte
{
    /// <summary>An opcode that no row of the table describes.</summary>
    Invalid,
    /// <summary>The second slot of an <c>lddw</c>; never executed.</summary>
    LddwTail,

    Add32Imm, Add32Reg, Add64Imm, Add64Reg,
    Sub32Imm, Sub32Reg, Sub64Imm, Sub64Reg,
    Mul32Imm, Mul32Reg, Mul64Imm, Mul64Reg,
    Div32Imm, Div32Reg, Div64Imm, Div64Reg,
    SDiv32Imm, SDiv32Reg, SDiv64Imm, SDiv64Reg,
    Or32Imm, Or32Reg, Or64Imm, Or64Reg,
    And32Imm, And32Reg, And64Imm, And64Reg,
    Lsh32Imm, Lsh32Reg, Lsh64Imm, Lsh64Reg,
    Rsh32Imm, Rsh32Reg, Rsh64Imm, Rsh64Reg,
    Mod32Imm, Mod32Reg, Mod64Imm, Mod64Reg,
    SMod32Imm, SMod32Reg, SMod64Imm, SMod64Reg,
    Xor32Imm, Xor32Reg, Xor64Imm, Xor64Reg,
    Mov32Imm, Mov32Reg, Mov64Imm, Mov64Reg,
    Arsh32Imm, Arsh32Reg, Arsh64Imm, Arsh64Reg,
    Neg32, Neg64,
    MovSx8To32, MovSx16To32, MovSx8To64, MovSx16To64, MovSx32To64,
    Le16, Le32, Le64, Be16, Be32, Be64, Bswap16, Bswap32, Bswap64,

    Lddw,
    LdxB, LdxH, LdxW, LdxDw,
    LdxSB, LdxSH, LdxSW,
    StB, StH, StW, StDw,
    StxB, StxH, StxW, StxDw,

    AtomicAdd32, AtomicOr32, AtomicAnd32, AtomicXor32,
    AtomicFetchAdd32, AtomicFetchOr32, AtomicFetchAnd32, AtomicFetchXor32,
    AtomicXchg32, AtomicCmpXchg32,
    AtomicAdd64, AtomicOr64, AtomicAnd64, AtomicXor64,
    AtomicFetchAdd64, AtomicFetchOr64, AtomicFetchAnd64, AtomicFetchXor64,
    AtomicXchg64, AtomicCmpXchg64,

    Ja, Ja32,
    Jeq64Imm, Jeq64Reg, Jeq32Imm, Jeq32Reg,
    Jgt64Imm, Jgt64Reg, Jgt32Imm, Jgt32Reg,
    Jge64Imm, Jge64Reg, Jge32Imm, Jge32Reg,
    Jset64Imm, Jset64Reg, Jset32Imm, Jset32Reg,
    Jne64Imm, Jne64Reg, Jne32Imm, Jne32Reg,
    Jsgt64Imm, Jsgt64Reg, Jsgt32Imm, Jsgt32Reg,
    Jsge64Imm, Jsge64Reg, Jsge32Imm, Jsge32Reg,
    Jlt64Imm, Jlt64Reg, Jlt32Imm, Jlt32Reg,
    Jle64Imm, Jle64Reg, Jle32Imm, Jle32Reg,
    Jslt64Imm, Jslt64Reg, Jslt32Imm, Jslt32Reg,
    Jsle64Imm, Jsle64Reg, Jsle32Imm, Jsle32Reg,

    /// <summary><c>call imm</c> with src = 0: a syscall (by hash) or helper (by number), per profile.</summary>
    Call,
    /// <summary><c>call imm</c> with src = 1: a local call to <c>pc + 1 + imm</c>.</summary>
    CallLocal,
    /// <summary><c>callx</c>: an indirect call through the dst register.</summary>
    Callx,
    Exit,

    /// <summary>No encoding: what the loader puts where an sbpf profile defers an error to run time (a call that
    /// resolves to nothing, the slot past the end of the text). Running it fails with the <see cref="TrapReason"/> in
    /// imm, charged as one instruction.</summary>
    Trap,
}

/// <summary>Why an <see cref="Op.Trap"/> fails.</summary>
public enum TrapReason
{
    /// <summary>A call naming no syscall and no function (sbpf's <c>UnsupportedInstruction</c>).</summary>
    UnsupportedInstruction,
    /// <summary>The slot just past the text (sbpf's <c>ExecutionOverrun</c>).</summary>
    ExecutionOverrun,
    /// <summary>A call by key to a registered function whose slot is outside the text (sbpf V0): the frame is checked
    /// first (<c>CallDepthExceeded</c>), then the target (<c>CallOutsideText</c>).</summary>
    CallOutsideText,
}
#pragma warning restore CS1591
