using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Jit.Runtime;
using Instruction = Tos.Tbpf.Isa.Instruction;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>Jumps: a compare (or test, for jset) and a conditional x86 jump to the target's block entry; out of the
/// middle of a metering chain through a stub that first gives back the chain's rest (see <see cref="BasicBlocks"/>).</summary>
internal sealed partial class X64Compiler
{
    private void EmitJump(int pc, Instruction ins, OpcodeInfo row)
    {
        var targetPc = ins.BranchTarget(pc);
        // A counted loop's own back-edge skips the guard at its head (see X64Compiler.Loops).
        var target = LoopAt(targetPc) is { } site && site.Loop.End == pc ? site.Body : BlockEntry(targetPc);
        var condition = row.Condition;
        if (condition == JumpCondition.Always)
        {
            if (!TryEmitChargedJump(targetPc, target))
            {
                _a.jmp(target);
            }

            return;
        }

        EmitJumpCompare(ins, row);
        var form = ConditionalBranch(pc, ins, condition);
        if (_options.Metering && _blocks.RefundWhenTaken(pc) is > 0 and var refund)
        {
            // Only this jump enters its refund stub, which patches it: no label.
            _slowPaths.Add(new(default, SlowPath.Refund, Pc: refund, Resume: target, BranchAt: _a.BranchToPatch(form)));
            return;
        }

        _a.Branch(form, target);
    }

    /// <summary>
    /// <c>ja</c> to a block that charges the meter, with the target's charge made here instead:
    /// <c>sub meter, units; jge past_the_charge</c>, and the target's hand-over inline after it. The charge, the budget
    /// check and the hand-over are the target's own, only moved before the jump, so units and error pcs are unchanged; what
    /// changes is that the taken jump and the budget check are one conditional branch instead of a <c>jmp</c> and a
    /// <c>jl</c>. A loop's back-edge is usually such a <c>ja</c> (collatz's steps): averaged over code placements, collatz's
    /// metering cost went from about +5% to +3%. Not for a counted loop's head (its guard comes before the charge) nor a
    /// block whose charge is covered by a refund (it has no check).
    /// </summary>
    private bool TryEmitChargedJump(long targetPc, CodeLabel target)
    {
        if (!_options.Metering || target != BlockEntry(targetPc) || !_blocks.Charges[targetPc] || _blocks.EntryCharge[targetPc] <= 0
            || LoopAt(targetPc) is not null)
        {
            return false;
        }

        EmitCharge(_blocks.EntryCharge[targetPc], covered: true, PastCharge(targetPc));
        EmitExitStub((int)targetPc, JitStatus.BudgetBoundary);
        return true;
    }

    /// <summary>The compare (or test, for jset) of a conditional jump: sets the flags its x86 jump reads.</summary>
    private void EmitJumpCompare(Instruction ins, OpcodeInfo row)
    {
        var is64 = row.Is64;
        var isImm = row.UsesImmediate;
        var d = R64[ins.Dst];
        var d32 = R32[ins.Dst];
        var isTest = row.Condition == JumpCondition.Set;
        if (isImm && !NeedsBlinding(ins.Imm32))
        {
            if (isTest) { if (is64) _a.test(d, ins.Imm32); else _a.test(d32, ins.Imm32); }
            else if (is64) _a.cmp(d, ins.Imm32);
            else _a.cmp(d32, ins.Imm32);
        }
        else
        {
            var source = isImm ? LoadImmediateInto(rax, ins) : R64[ins.Src];
            var source32 = isImm ? eax : R32[ins.Src];
            if (isTest) { if (is64) _a.test(d, source); else _a.test(d32, source32); }
            else if (is64) _a.cmp(d, source);
            else _a.cmp(d32, source32);
        }
    }

    /// <summary>The x86 jump of <paramref name="condition"/> (after <see cref="EmitJumpCompare"/>).</summary>
    private static BranchForm ConditionalBranch(int pc, Instruction ins, JumpCondition condition) => condition switch
    {
        JumpCondition.Eq => BranchForm.Je,
        JumpCondition.Gt => BranchForm.Ja,
        JumpCondition.Ge => BranchForm.Jae,
        JumpCondition.Set or JumpCondition.Ne => BranchForm.Jne,
        JumpCondition.SGt => BranchForm.Jg,
        JumpCondition.SGe => BranchForm.Jge,
        JumpCondition.Lt => BranchForm.Jb,
        JumpCondition.Le => BranchForm.Jbe,
        JumpCondition.SLt => BranchForm.Jl,
        JumpCondition.SLe => BranchForm.Jle,
        _ => throw new JitException($"pc {pc}: {ins.Op} has no jump condition"),
    };
}
