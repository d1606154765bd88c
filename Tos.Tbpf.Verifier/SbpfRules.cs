using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Verification;

/// <summary>
/// sbpf's static rules (its <c>RequisiteVerifier</c>), for the profiles with <see cref="VerifierRules.Sbpf"/>: opcodes
/// the version knows, a complete lddw (its second slot's opcode zero), jumps to an instruction of the text whose opcode is
/// not zero, no zero immediate divisor, immediate shifts below the width, byte swaps of 16/32/64, a callx register r0–r9,
/// src at most r10, dst at most r9 but for stores (so even a jump may not name r10 as dst). Fields an instruction does not
/// use are not looked at, calls are resolved when they run and the text may end without exit: those are run-time errors.
/// </summary>
internal static class SbpfRules
{
    private const int FramePointer = 10;

    private static VerifierException Reject(Executable executable, VerifierErrorKind kind, long pc, Instruction ins, string reason) =>
        Verifier.Reject(kind, pc, ins, executable, reason);

    public static void Check(Executable executable)
    {
        var code = executable.Instructions;
        var profile = executable.Profile;
        for (var pc = 0; pc < code.Length; pc++)
        {
            var ins = code[pc];
            if (ins.Op is Op.Invalid or Op.LddwTail || (profile.Features & ins.Info.Requires) != ins.Info.Requires)
            {
                var swap = ins.Opcode is OpcodeTable.LeCode or OpcodeTable.BeCode && ins.Op == Op.Invalid;
                throw Reject(executable, swap ? VerifierErrorKind.InvalidByteSwapWidth : VerifierErrorKind.UnknownOpcode, pc, ins,
                    swap ? $"byte swap width {ins.Imm32} is not 16, 32 or 64" : $"opcode 0x{ins.Opcode:x2} is no instruction of {profile.Name}");
            }

            var row = ins.Info;
            CheckOperands(executable, pc, ins, row);
            CheckRegisters(executable, pc, ins, row);
            if (ins.Op == Op.Lddw)
            {
                pc++;
            }
        }
    }

    private static void CheckOperands(Executable executable, int pc, Instruction ins, OpcodeInfo row)
    {
        var code = executable.Instructions;
        switch (ins.Op)
        {
            case Op.Lddw when pc + 1 >= code.Length || code[pc + 1].Opcode != 0:
                throw Reject(executable, VerifierErrorKind.IncompleteLddw, pc, ins,
                    pc + 1 >= code.Length ? "lddw cannot be the last slot" : "the second slot of lddw must have opcode 0");
            case Op.Callx:
            {
                var register = executable.Profile.CallxRegister == CallxRegisterField.Imm ? ins.Imm : ins.Dst;
                if (register is < 0 or >= FramePointer)
                {
                    throw Reject(executable, VerifierErrorKind.InvalidRegister, pc, ins, $"callx names register {register}, not r0–r9");
                }

                break;
            }
        }

        // A zero immediate divisor and an immediate shift not below the width: the same rule as TBPF's.
        Verifier.CheckImmediates(executable, pc, ins, executable.Profile);
        if (row.IsJump)
        {
            var target = ins.BranchTarget(pc);
            if (target < 0 || target >= code.Length)
            {
                throw Reject(executable, VerifierErrorKind.JumpOutOfRange, pc, ins, $"target slot {target} is outside the {code.Length}-slot text");
            }

            if (code[target].Opcode == 0)
            {
                throw Reject(executable, VerifierErrorKind.JumpIntoLddw, pc, ins, $"target slot {target} has opcode 0 (the second half of an lddw)");
            }
        }
    }

    private static void CheckRegisters(Executable executable, int pc, Instruction ins, OpcodeInfo row)
    {
        if (ins.Src > FramePointer)
        {
            throw Reject(executable, VerifierErrorKind.InvalidRegister, pc, ins, $"src register r{ins.Src} does not exist");
        }

        if (ins.Dst > FramePointer)
        {
            throw Reject(executable, VerifierErrorKind.InvalidRegister, pc, ins, $"dst register r{ins.Dst} does not exist");
        }

        if (ins.Dst == FramePointer && row.Kind != InstructionKind.Store)
        {
            throw Reject(executable, VerifierErrorKind.WriteToFramePointer, pc, ins, "dst r10 is allowed only in a store (sbpf's rule)");
        }
    }
}
