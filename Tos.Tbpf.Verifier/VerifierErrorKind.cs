namespace Tos.Tbpf.Verification;

/// <summary>Why the verifier rejected a program (DESIGN §7); one kind per check.</summary>
public enum VerifierErrorKind
{
    /// <summary>The text has no instruction.</summary>
    EmptyProgram,
    /// <summary>The text's size is not a multiple of 8 bytes.</summary>
    SizeNotMultipleOfSlot,
    /// <summary>The text is larger than 1 MiB.</summary>
    ProgramTooLarge,
    /// <summary>No instruction has this opcode (with this discriminating field).</summary>
    UnknownOpcode,
    /// <summary>The opcode exists but the profile does not enable it.</summary>
    UnsupportedByProfile,
    /// <summary>A field the instruction does not use is not zero.</summary>
    NonZeroReservedField,
    /// <summary>A register number above r10.</summary>
    InvalidRegister,
    /// <summary>An instruction writes the read-only frame pointer r10.</summary>
    WriteToFramePointer,
    /// <summary>A jump lands outside the text.</summary>
    JumpOutOfRange,
    /// <summary>A jump or call lands on the second slot of an lddw.</summary>
    JumpIntoLddw,
    /// <summary>An lddw is the last slot, or its second slot is not all zero but the immediate.</summary>
    IncompleteLddw,
    /// <summary>A division or remainder by the immediate 0.</summary>
    DivisionByZeroImmediate,
    /// <summary>An immediate shift by the operand width or more.</summary>
    ShiftOutOfRange,
    /// <summary>A byte swap of a width other than 16, 32 or 64.</summary>
    InvalidByteSwapWidth,
    /// <summary>A local call lands outside the text.</summary>
    CallOutOfRange,
    /// <summary>A call to a syscall or helper that is not registered.</summary>
    UnknownSyscall,
    /// <summary>The last instruction can fall through past the end of the text.</summary>
    FallsOffEnd,
    /// <summary>The entry point is not an instruction of the text.</summary>
    InvalidEntryPoint,
}
