namespace Tos.Tbpf.Isa;

/// <summary>
/// One row of the instruction set: how an <see cref="Op"/> is encoded, how it is written in assembler text,
/// which operands it has and which ISA feature it needs.
/// </summary>
/// <param name="Op">The decoded operation.</param>
/// <param name="Code">The opcode byte.</param>
/// <param name="Mnemonic">The canonical mnemonic the disassembler prints.</param>
/// <param name="Shape">The operands.</param>
/// <param name="Requires">The ISA feature a profile must enable.</param>
/// <param name="Discriminant">The field that, with the opcode byte, selects this row.</param>
/// <param name="DiscriminantValue">The value that field must hold.</param>
/// <param name="AccessSize">Bytes moved by a load, store or atomic; 0 otherwise.</param>
/// <param name="Aliases">Other mnemonics the assembler accepts (the uBPF / conformance spellings).</param>
public sealed record OpcodeInfo(
    Op Op,
    byte Code,
    string Mnemonic,
    OperandShape Shape,
    IsaFeatures Requires,
    Discriminant Discriminant = Discriminant.None,
    int DiscriminantValue = 0,
    int AccessSize = 0,
    params string[] Aliases)
{
    /// <summary>The fields this instruction reads; every other field (but the discriminant) must be zero.</summary>
    public InstructionFields UsedFields => Shape switch
    {
        OperandShape.None => InstructionFields.None,
        OperandShape.DstImm or OperandShape.DstImm64 => InstructionFields.Dst | InstructionFields.Imm,
        OperandShape.DstSrc => InstructionFields.Dst | InstructionFields.Src,
        OperandShape.Dst => InstructionFields.Dst,
        OperandShape.Load => InstructionFields.Dst | InstructionFields.Src | InstructionFields.Offset,
        OperandShape.StoreImm => InstructionFields.Dst | InstructionFields.Offset | InstructionFields.Imm,
        OperandShape.StoreReg => InstructionFields.Dst | InstructionFields.Src | InstructionFields.Offset,
        OperandShape.Jump => InstructionFields.Offset,
        OperandShape.JumpLong or OperandShape.Call or OperandShape.CallLocal => InstructionFields.Imm,
        OperandShape.JumpImm => InstructionFields.Dst | InstructionFields.Offset | InstructionFields.Imm,
        OperandShape.JumpReg => InstructionFields.Dst | InstructionFields.Src | InstructionFields.Offset,
        OperandShape.Callx => InstructionFields.Dst,
        _ => throw new ArgumentOutOfRangeException(nameof(Shape), Shape, null),
    };

    /// <summary>True when the instruction writes its dst register.</summary>
    public bool WritesDst => Shape is OperandShape.DstImm or OperandShape.DstSrc or OperandShape.Dst
        or OperandShape.DstImm64 or OperandShape.Load;

    /// <summary>True for the conditional and unconditional jumps (not calls).</summary>
    public bool IsJump => Shape is OperandShape.Jump or OperandShape.JumpLong or OperandShape.JumpImm or OperandShape.JumpReg;

    /// <summary>What the instruction does: the engines' one switch is on this.</summary>
    public InstructionKind Kind { get; init; }

    /// <summary>The operation of a binary ALU instruction.</summary>
    public AluOperation Alu { get; init; }

    /// <summary>The condition of a jump.</summary>
    public JumpCondition Condition { get; init; }

    /// <summary>The operation of an atomic.</summary>
    public AtomicOperation Atomic { get; init; }

    /// <summary>True when the operation is 64 bits wide (ALU64 and JMP classes, 64-bit atomics); false for 32.</summary>
    public bool Is64 { get; init; }

    /// <summary>True when the second operand is the immediate rather than the src register.</summary>
    public bool UsesImmediate => Shape is OperandShape.DstImm or OperandShape.JumpImm or OperandShape.StoreImm;

    /// <summary>True when control does not simply fall through to the next instruction: jumps, calls, exit.</summary>
    public bool EndsBlock => Kind is InstructionKind.Jump or InstructionKind.Call or InstructionKind.CallLocal
        or InstructionKind.Callx or InstructionKind.Exit or InstructionKind.Trap;
}
