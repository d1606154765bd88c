using Tos.Tbpf.Assembly;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Verification;

/// <summary>
/// The static checks of DESIGN §7 that gate every program before an engine sees it. Loops are allowed:
/// compute units bound every run.
/// </summary>
public static class Verifier
{
    /// <summary>The largest text accepted, in bytes.</summary>
    public const int MaxTextSize = 1024 * 1024;

    private const int FramePointer = 10;

    /// <summary>Checks <paramref name="executable"/>; returns it verified or throws <see cref="VerifierException"/>.</summary>
    public static VerifiedExecutable Verify(Executable executable)
    {
        var profile = executable.Profile;
        if (profile.Validate() is { } problem)
        {
            // A profile is the host's choice, not the program's: an inconsistent one is a programming error.
            throw new ArgumentException($"profile {profile.Name}: {problem}", nameof(executable));
        }

        CheckSize(executable.TextLength);
        var code = executable.Instructions;
        if (profile.Verification == VerifierRules.Sbpf)
        {
            SbpfRules.Check(executable);
            CheckEntry(executable, code);
            return new VerifiedExecutable(executable);
        }

        for (var pc = 0; pc < code.Length; pc++)
        {
            var ins = code[pc];
            if (ins.Op == Op.LddwTail)
            {
                throw Reject(VerifierErrorKind.JumpIntoLddw, pc, ins, executable, "an lddw tail without its lddw");
            }

            CheckInstruction(executable, pc, ins, profile);
            if (ins.Op == Op.Lddw)
            {
                pc++;
            }
        }

        CheckEnd(executable, code);
        CheckEntry(executable, code);
        return new VerifiedExecutable(executable);
    }

    private static void CheckEntry(Executable executable, Instruction[] code)
    {
        var entry = executable.EntryPc;
        if (entry < 0 || entry >= code.Length || code[entry].Op == Op.LddwTail)
        {
            throw new VerifierException(VerifierErrorKind.InvalidEntryPoint, entry,
                $"the entry point (slot {entry}) is not an instruction of the {code.Length}-slot text");
        }
    }

    private static void CheckSize(int textLength)
    {
        if (textLength > MaxTextSize)
        {
            throw new VerifierException(VerifierErrorKind.ProgramTooLarge, -1,
                $"the text is {textLength} bytes; the limit is {MaxTextSize}");
        }

        if (textLength % Decoder.SlotSize != 0)
        {
            throw new VerifierException(VerifierErrorKind.SizeNotMultipleOfSlot, textLength / Decoder.SlotSize,
                $"the text is {textLength} bytes, not a multiple of {Decoder.SlotSize}");
        }

        if (textLength == 0)
        {
            throw new VerifierException(VerifierErrorKind.EmptyProgram, -1, "the program has no instructions");
        }
    }

    private static void CheckInstruction(Executable executable, int pc, Instruction ins, Profile profile)
    {
        if (ins.Op == Op.Invalid)
        {
            var swap = ins.Opcode is OpcodeTable.LeCode or OpcodeTable.BeCode or OpcodeTable.BswapCode;
            throw Reject(swap ? VerifierErrorKind.InvalidByteSwapWidth : VerifierErrorKind.UnknownOpcode, pc, ins, executable,
                swap ? $"byte swap width {ins.Imm32} is not 16, 32 or 64"
                : OpcodeTable.IsKnownCode(ins.Opcode) ? $"opcode 0x{ins.Opcode:x2} with this {DiscriminatingField(ins.Opcode)} is no instruction"
                : $"unknown opcode 0x{ins.Opcode:x2}");
        }

        var row = ins.Info;
        if ((profile.Features & row.Requires) != row.Requires)
        {
            throw Reject(VerifierErrorKind.UnsupportedByProfile, pc, ins, executable,
                $"{row.Mnemonic} needs {row.Requires}, which the {profile.Name} profile does not enable");
        }

        CheckRegisters(executable, pc, ins, row);
        CheckReservedFields(executable, pc, ins, row);
        CheckImmediates(executable, pc, ins, profile);
        CheckTargets(executable, pc, ins, row);
    }

    private static void CheckRegisters(Executable executable, int pc, Instruction ins, OpcodeInfo row)
    {
        var used = row.UsedFields;
        if ((used & InstructionFields.Dst) != 0 && ins.Dst > FramePointer)
        {
            throw Reject(VerifierErrorKind.InvalidRegister, pc, ins, executable, $"dst register r{ins.Dst} does not exist");
        }

        if ((used & InstructionFields.Src) != 0 && ins.Src > FramePointer)
        {
            throw Reject(VerifierErrorKind.InvalidRegister, pc, ins, executable, $"src register r{ins.Src} does not exist");
        }

        if (ins.Op == Op.Callx && executable.Profile.CallxRegister == CallxRegisterField.Imm && ins.Imm is < 0 or >= FramePointer)
        {
            throw Reject(VerifierErrorKind.InvalidRegister, pc, ins, executable, $"callx names register {ins.Imm} in imm, not r0–r9");
        }

        if (row.WritesDst && ins.Dst == FramePointer)
        {
            throw Reject(VerifierErrorKind.WriteToFramePointer, pc, ins, executable, "r10 is the read-only frame pointer");
        }

        // Fetching atomics and xchg write the old value into src.
        if (row.Atomic is (AtomicOperation.FetchAdd or AtomicOperation.FetchOr or AtomicOperation.FetchAnd
            or AtomicOperation.FetchXor or AtomicOperation.Xchg) && ins.Src == FramePointer)
        {
            throw Reject(VerifierErrorKind.WriteToFramePointer, pc, ins, executable,
                "this atomic writes its src register, and r10 is the read-only frame pointer");
        }
    }

    private static void CheckReservedFields(Executable executable, int pc, Instruction ins, OpcodeInfo row)
    {
        var fields = row.UsedFields | row.Discriminant switch
        {
            Discriminant.Offset => InstructionFields.Offset,
            Discriminant.Imm => InstructionFields.Imm,
            Discriminant.Src => InstructionFields.Src,
            _ => InstructionFields.None,
        };
        string? nonZero = null;
        if ((fields & InstructionFields.Dst) == 0 && ins.Dst != 0) nonZero = "dst";
        else if ((fields & InstructionFields.Src) == 0 && ins.Src != 0) nonZero = "src";
        else if ((fields & InstructionFields.Offset) == 0 && ins.Offset != 0) nonZero = "offset";
        else if ((fields & InstructionFields.Imm) == 0 && ins.Imm != 0) nonZero = "imm";
        if (nonZero is not null)
        {
            throw Reject(VerifierErrorKind.NonZeroReservedField, pc, ins, executable,
                $"{row.Mnemonic} does not use its {nonZero} field, which must be zero");
        }

        if (ins.Op == Op.Lddw)
        {
            var tailPc = pc + 1;
            var code = executable.Instructions;
            if (tailPc >= code.Length)
            {
                throw Reject(VerifierErrorKind.IncompleteLddw, pc, ins, executable, "lddw needs a second slot; the text ends");
            }

            var tail = code[tailPc];
            if (tail.Opcode != 0 || tail.Dst != 0 || tail.Src != 0 || tail.Offset != 0)
            {
                throw Reject(VerifierErrorKind.IncompleteLddw, pc, ins, executable,
                    "the second slot of lddw must be zero but for its immediate");
            }
        }
    }

    /// <summary>A zero immediate divisor and an immediate shift not below the width, where the profile refuses them (sbpf's
    /// rules check the same).</summary>
    internal static void CheckImmediates(Executable executable, int pc, Instruction ins, Profile profile)
    {
        if (!profile.RejectOutOfRangeImmediates)
        {
            return;
        }

        switch (ins.Op)
        {
            case Op.Div32Imm or Op.Div64Imm or Op.SDiv32Imm or Op.SDiv64Imm
                or Op.Mod32Imm or Op.Mod64Imm or Op.SMod32Imm or Op.SMod64Imm when ins.Imm == 0:
                throw Reject(VerifierErrorKind.DivisionByZeroImmediate, pc, ins, executable, "division by the immediate 0");
            case Op.Lsh32Imm or Op.Rsh32Imm or Op.Arsh32Imm when (uint)ins.Imm32 >= 32:
                throw Reject(VerifierErrorKind.ShiftOutOfRange, pc, ins, executable, $"shift by {ins.Imm32} is not below 32");
            case Op.Lsh64Imm or Op.Rsh64Imm or Op.Arsh64Imm when (uint)ins.Imm32 >= 64:
                throw Reject(VerifierErrorKind.ShiftOutOfRange, pc, ins, executable, $"shift by {ins.Imm32} is not below 64");
        }
    }

    private static void CheckTargets(Executable executable, int pc, Instruction ins, OpcodeInfo row)
    {
        var code = executable.Instructions;
        if (row.IsJump || row.Shape == OperandShape.CallLocal)
        {
            var call = row.Shape == OperandShape.CallLocal;
            var target = ins.BranchTarget(pc);
            if (target < 0 || target >= code.Length)
            {
                throw Reject(call ? VerifierErrorKind.CallOutOfRange : VerifierErrorKind.JumpOutOfRange, pc, ins, executable,
                    $"target slot {target} is outside the {code.Length}-slot text");
            }

            if (code[target].Op == Op.LddwTail)
            {
                throw Reject(VerifierErrorKind.JumpIntoLddw, pc, ins, executable,
                    $"target slot {target} is the second half of an lddw");
            }
        }

        if (ins.Op == Op.Call && !executable.Syscalls.TryGet((uint)ins.Imm32, out _))
        {
            var what = executable.Profile.Calls == CallEncoding.SyscallHash
                ? $"no syscall is registered under hash 0x{(uint)ins.Imm32:x8}"
                : $"no helper is registered under number {(uint)ins.Imm32}";
            throw Reject(VerifierErrorKind.UnknownSyscall, pc, ins, executable, what);
        }
    }

    private static void CheckEnd(Executable executable, Instruction[] code)
    {
        var lastPc = code.Length - 1;
        if (code[lastPc].Op == Op.LddwTail)
        {
            lastPc--;
        }

        var last = code[lastPc];
        if (last.Op is not (Op.Exit or Op.Ja or Op.Ja32))
        {
            throw Reject(VerifierErrorKind.FallsOffEnd, lastPc, last, executable,
                "the last instruction must be exit or an unconditional jump; execution would run past the text");
        }
    }

    private static string DiscriminatingField(byte opcode) =>
        OpcodeTable.All.First(r => r.Code == opcode).Discriminant.ToString().ToLowerInvariant();

    internal static VerifierException Reject(VerifierErrorKind kind, long pc, Instruction ins, Executable executable, string reason) =>
        new(kind, pc, $"'{Disassembler.Format(ins, pc, executable.Syscalls)}': {reason}");
}
