namespace Tos.Tbpf.Isa;

/// <summary>What an instruction does, as the engines dispatch on it.</summary>
public enum InstructionKind : byte
{
    /// <summary><c>dst = dst op src|imm</c>, including mov.</summary>
    BinaryAlu,
    /// <summary>neg, movsx, byte swaps: one register operand (movsx reads src).</summary>
    UnaryAlu,
    /// <summary><c>lddw</c>: the 64-bit constant of two slots.</summary>
    LoadImm64,
    /// <summary><c>ldx*</c>: a load from memory.</summary>
    Load,
    /// <summary><c>st*</c> / <c>stx*</c>: a store of an immediate or a register.</summary>
    Store,
    /// <summary>An atomic read-modify-write.</summary>
    Atomic,
    /// <summary>A conditional or unconditional jump.</summary>
    Jump,
    /// <summary>A syscall (or helper) by key.</summary>
    Call,
    /// <summary>A call to a local function at a relative slot.</summary>
    CallLocal,
    /// <summary>A call through a register.</summary>
    Callx,
    /// <summary>Return from a function or end the program.</summary>
    Exit,
    /// <summary>A run-time error the loader placed (<see cref="Op.Trap"/>).</summary>
    Trap,
}

/// <summary>The operation of a binary ALU instruction (RFC 9669 §4.1).</summary>
public enum AluOperation : byte
{
    /// <summary>Not a binary ALU instruction.</summary>
    None,
#pragma warning disable CS1591 // the RFC's names
    Add, Sub, Mul, Div, SDiv, Or, And, Lsh, Rsh, Mod, SMod, Xor, Mov, Arsh,
#pragma warning restore CS1591
}

/// <summary>The condition of a jump (RFC 9669 §4.3); <see cref="Always"/> for ja.</summary>
public enum JumpCondition : byte
{
    /// <summary>Not a jump.</summary>
    None,
    /// <summary>ja / gotol.</summary>
    Always,
#pragma warning disable CS1591 // the RFC's names: unsigned gt/ge/lt/le, signed sgt/sge/slt/sle, set = any common bit
    Eq, Gt, Ge, Set, Ne, SGt, SGe, Lt, Le, SLt, SLe,
#pragma warning restore CS1591
}

/// <summary>The operation of an atomic instruction (RFC 9669 §5.3).</summary>
public enum AtomicOperation : byte
{
    /// <summary>Not an atomic instruction.</summary>
    None,
#pragma warning disable CS1591 // the RFC's names
    Add, Or, And, Xor, FetchAdd, FetchOr, FetchAnd, FetchXor, Xchg, CmpXchg,
#pragma warning restore CS1591
}
