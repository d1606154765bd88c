using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Jit.Runtime;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// Slow paths, emitted after the main code so the hot path falls through. Each is recorded as a plain value (no
/// closure per instruction: a 1 MiB program has ~130 000 of them) and emitted in order once the body is done.
/// </summary>
internal sealed partial class X64Compiler
{
    private enum SlowPath : byte
    {
        /// <summary>Leave through the status anchor with the pc in edx. An access violation leaves this way too: its fault
        /// address is its base register plus its offset, which the runtime reads from the registers the exit spills
        /// (nothing between the check and the exit writes a guest register), so the stub does not compute it.</summary>
        Exit,
        /// <summary>Record a register as the fault address, then <see cref="Exit"/>.</summary>
        ExitAtRegister,
        /// <summary>A store above the watermark: raise it and resume, or fault.</summary>
        RaiseWatermark,
        /// <summary>An access outside its base register's first window: the window routine tries the second, else checks it
        /// in full and refills the windows; resumes with the host address, or faults.</summary>
        WindowMiss,
        /// <summary>A <see cref="WindowMiss"/> of an ordinary access, whose fault is an <see cref="Exit"/>: the exit
        /// follows the routine's call, so one stub (and one label, one branch) serves both.</summary>
        WindowMissOrFault,
        /// <summary>A conditional jump taken out of the middle of a metering chain: give back the units of the chain's rest
        /// (carried in <c>Pc</c>), then enter the target's block.</summary>
        Refund,
        /// <summary>A callx whose target's block does not fit the budget: hand over at the target's pc (the runtime gives
        /// back the units charged, as for a block entry).</summary>
        CallxBudget,
    }

    /// <summary>A slow path to emit. It is entered at <see cref="Label"/> or, when that is unset, by the one branch whose
    /// rel32 field is at <see cref="BranchAt"/> (patched when the path is emitted: no label, no fixup); a path that resumes
    /// goes back to <see cref="Resume"/> or, when that is unset, to code offset <see cref="ResumeAt"/>.</summary>
    private readonly record struct PendingSlowPath(CodeLabel Label, SlowPath Kind, JitStatus Status = default, int Pc = 0,
        byte Register = 0, CodeLabel Resume = default, CodeLabel Fault = default, CodeLabel Routine = default,
        short Window = 0, int BranchAt = 0, int ResumeAt = 0);

    private readonly PooledList<PendingSlowPath> _slowPaths;

    /// <summary>A slow path that leaves with <paramref name="status"/> for the instruction at <paramref name="pc"/>.</summary>
    private CodeLabel Stub(JitStatus status, long pc) => Defer(new(default, SlowPath.Exit, status, (int)pc));

    /// <summary>The same entered only by the branch whose rel32 is at <paramref name="branchAt"/>, which the stub patches.</summary>
    private void DeferExit(JitStatus status, int pc, int branchAt) =>
        _slowPaths.Add(new(default, SlowPath.Exit, status, pc, BranchAt: branchAt));

    private CodeLabel Defer(PendingSlowPath slowPath)
    {
        var label = _a.CreateLabel();
        _slowPaths.Add(slowPath with { Label = label });
        return label;
    }

    private void EmitSlowPaths()
    {
        // Emitting a slow path defers nothing more, so the list is stable while it is walked; then its storage goes back.
        using var paths = _slowPaths;
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            if (path.Label.IsValid)
            {
                _a.Bind(path.Label);
            }
            else
            {
                _a.PatchBranchHere(path.BranchAt);
            }

            switch (path.Kind)
            {
                case SlowPath.WindowMissOrFault when path.Resume.IsValid:
                    _a.Emit(WindowMissCall(path.Window, faultFollows: true), [path.Routine, path.Resume]);
                    break;
                case SlowPath.WindowMissOrFault:
                    _a.Emit(WindowMissCall(path.Window, faultFollows: true), [path.Routine, default], knownSlot: 1, knownTarget: path.ResumeAt);
                    break;
                case SlowPath.ExitAtRegister:
                    _a.mov(Field(JitContext.FaultAddressOffset), R64[path.Register]);
                    break;
                case SlowPath.RaiseWatermark:
                    // if (!raise_watermark(end)) fault; else resume
                    _a.call(RaiseWatermark());
                    _a.jc(path.Fault);
                    _a.jmp(path.Resume);
                    continue;
                case SlowPath.WindowMiss:
                    _a.Emit(WindowMissCall(path.Window, faultFollows: false), [path.Routine, path.Resume, path.Fault]);
                    continue;
                case SlowPath.Refund:
                    _a.Branching(BranchingForm.AddMeterThenJump, path.Pc, 0, path.Resume);
                    continue;
                case SlowPath.CallxBudget:
                    // Hand over at the callee's first instruction, inside the new frame.
                    _a.mov(edx, eax);
                    _a.jmp(Anchor(JitStatus.BudgetBoundary));
                    continue;
            }

            EmitExitStub(path.Pc, path.Status);
        }
    }

    /// <summary>
    /// <c>edx = pc; jmp anchor</c>, the pc blinded as any constant is (a program's layout chooses its pcs): as
    /// <c>pc ^ key</c> with one random key per program, which the status's blinded anchor xors back before it falls into
    /// the anchor (<see cref="EmitAnchors"/>). A stub is cold code and the key unpredictable, as a key per stub is; one key
    /// saves a draw and an instruction in every stub, and large programs have a stub or two per instruction.
    /// </summary>
    private void EmitExitStub(int pc, JitStatus status)
    {
        if (!NeedsBlinding(pc))
        {
            _a.Branching(BranchingForm.MoveEdxThenJump, pc, 0, Anchor(status));
            return;
        }

        // The key has bit 30 set: it is never a pc, nor zero (so pc ^ key is never pc).
        _pcKey ??= (int)_random.NextBits() | 1 << 30;
        ref var anchor = ref _blindedAnchors[(int)status];
        if (!anchor.IsValid)
        {
            anchor = _a.CreateLabel();
        }

        _a.Branching(BranchingForm.MoveEdxThenJump, pc ^ _pcKey.Value, 0, anchor);
    }

    /// <summary>The program's key for the pcs its exit stubs leave with (see <see cref="EmitExitStub"/>); drawn at the first
    /// stub that needs it.</summary>
    private int? _pcKey;

    /// <summary>By status, the entry that xors <see cref="_pcKey"/> out of edx and falls into the status's anchor.</summary>
    private readonly CodeLabel[] _blindedAnchors = new CodeLabel[(int)JitStatus.LddwTailReached + 1];
}
