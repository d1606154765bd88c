namespace Tos.Tbpf.Isa;

/// <summary>Which operands an instruction has; fixes its assembler syntax and which fields must be zero.</summary>
public enum OperandShape : byte
{
    /// <summary><c>exit</c>.</summary>
    None,
    /// <summary><c>op dst, imm</c>.</summary>
    DstImm,
    /// <summary><c>op dst, src</c>.</summary>
    DstSrc,
    /// <summary><c>op dst</c> (neg, byte swaps).</summary>
    Dst,
    /// <summary><c>lddw dst, imm64</c>.</summary>
    DstImm64,
    /// <summary><c>ldx dst, [src+off]</c>.</summary>
    Load,
    /// <summary><c>st [dst+off], imm</c>.</summary>
    StoreImm,
    /// <summary><c>stx [dst+off], src</c> and atomics.</summary>
    StoreReg,
    /// <summary><c>ja off</c>.</summary>
    Jump,
    /// <summary><c>ja32 imm</c>: a jump whose target is in imm.</summary>
    JumpLong,
    /// <summary><c>jcc dst, imm, off</c>.</summary>
    JumpImm,
    /// <summary><c>jcc dst, src, off</c>.</summary>
    JumpReg,
    /// <summary><c>call imm</c> to a syscall or helper.</summary>
    Call,
    /// <summary><c>call imm</c> to a local function at <c>pc + 1 + imm</c>.</summary>
    CallLocal,
    /// <summary><c>callx dst</c>.</summary>
    Callx,
}

/// <summary>The instruction fields, as flags.</summary>
[Flags]
public enum InstructionFields : byte
{
    /// <summary>No field.</summary>
    None = 0,
    /// <summary>The destination register (low nibble of byte 1).</summary>
    Dst = 1,
    /// <summary>The source register (high nibble of byte 1).</summary>
    Src = 2,
    /// <summary>The signed 16-bit offset.</summary>
    Offset = 4,
    /// <summary>The signed 32-bit immediate.</summary>
    Imm = 8,
}

/// <summary>Which instruction field, besides the opcode byte, selects the operation.</summary>
public enum Discriminant : byte
{
    /// <summary>The opcode byte alone selects the row.</summary>
    None,
    /// <summary>The offset field (sdiv/smod = 1, movsx = 8/16/32).</summary>
    Offset,
    /// <summary>The imm field (byte-swap width, atomic operation).</summary>
    Imm,
    /// <summary>The src field (call: 0 = syscall/helper, 1 = local).</summary>
    Src,
}

/// <summary>Groups of the instruction set that a <see cref="Profile"/> may enable or not.</summary>
[Flags]
public enum IsaFeatures
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>The classic eBPF core (clang <c>-mcpu=v1</c>).</summary>
    Base = 1,
    /// <summary>32-bit conditional jumps (<c>-mcpu=v2/v3</c>).</summary>
    Jmp32 = 2,
    /// <summary>Atomic read-modify-write (<c>-mcpu=v3</c>).</summary>
    Atomics = 4,
    /// <summary>Signed division and remainder (<c>-mcpu=v4</c>).</summary>
    SignedDivision = 8,
    /// <summary><c>movsx</c> and <c>ldxs*</c> (<c>-mcpu=v4</c>).</summary>
    SignExtension = 16,
    /// <summary>Unconditional byte swaps <c>bswap16/32/64</c> (<c>-mcpu=v4</c>).</summary>
    ByteSwap = 32,
    /// <summary><c>ja32</c> / <c>gotol</c> with a 32-bit offset (<c>-mcpu=v4</c>).</summary>
    LongJump = 64,
    /// <summary>Indirect calls through a register.</summary>
    Callx = 128,
    /// <summary>All of RFC 9669 plus callx.</summary>
    All = Base | Jmp32 | Atomics | SignedDivision | SignExtension | ByteSwap | LongJump | Callx,
}
