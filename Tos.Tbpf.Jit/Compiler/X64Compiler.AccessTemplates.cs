using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Jit.Runtime;
using Instruction = Tos.Tbpf.Isa.Instruction;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// Windowed loads and stores from whole-sequence templates (<see cref="AccessTemplate"/>): the address, the window
/// check and the access copied at once, the miss stub entered by a branch the stub patches itself. The code is the
/// ordinary emission's byte for byte (the same random draws in the same order, the same slow paths in the same order):
/// <see cref="JitOptions.AccessTemplates"/> off emits the ordinary way, which the tests compare with.
/// </summary>
internal sealed partial class X64Compiler
{
    /// <summary>Emits a windowed load or store from its template; false when the caller must emit it the ordinary way (not
    /// windowed, or a store of an immediate that needs blinding, which is loaded through a scratch register first).</summary>
    private bool TryEmitWindowedAccess(int pc, Instruction ins, OpcodeInfo row)
    {
        if (!_windowed || !_options.AccessTemplates || (row.UsesImmediate && NeedsBlinding(ins.Imm32)))
        {
            return false;
        }

        var store = row.Shape != OperandShape.Load;
        var baseRegister = store ? ins.Dst : ins.Src;
        // Drawn here, as EmitAddress draws it: the same keys in the same order as the ordinary emission.
        int? key = NeedsBlinding(ins.Offset) ? OffsetKey(ins.Offset) : null;
        var addressClass = key is null ? FormKey.DisplacementClass(ins.Offset) : 3;
        var templateKey = 1UL << 62
            | (ulong)ins.Op
            | (ulong)(ins.Dst & 15) << 8
            | (ulong)(ins.Src & 15) << 12
            | addressClass << 16
            | (row.UsesImmediate ? FormKey.ImmediateClass(ins.Imm32) : 0) << 18;
        var template = AccessTemplates.Find(templateKey)
            ?? AccessTemplates.Add(RecordAccess(templateKey, ins, row.AccessSize, store, baseRegister, key));
        var start = _a.Emit(template, ins.Offset, key ?? 0, ins.Imm32);
        var window = JitContext.WindowOffset(baseRegister, store);
        _windowPairs |= 1u << (baseRegister * 2 + (store ? 1 : 0));
        _slowPaths.Add(new(default, SlowPath.WindowMissOrFault, JitStatus.AccessViolation, pc,
            Routine: WindowMiss(row.AccessSize, store), Window: (short)window,
            BranchAt: start + template.MissAt, ResumeAt: start + template.ResumeAt));
        return true;
    }

    /// <summary>Emits the access's sequence into the recording emitter, as <see cref="EmitTranslate"/> and
    /// <see cref="EmitAccess(Instruction, int, int)"/> do with labels for the miss stub and the resume point, and makes the
    /// template.</summary>
    private AccessTemplate RecordAccess(ulong templateKey, Instruction ins, int size, bool store, byte baseRegister, int? key)
    {
        var recorder = Recorder();
        var main = _a;
        _a = recorder;
        try
        {
            var (miss, resume) = (recorder.CreateLabel(), recorder.CreateLabel());
            EmitAddress(R64[baseRegister], ins.Offset, key);
            var addressEnd = recorder.Position;
            recorder.Emit(WindowCheck(baseRegister, store, size), [miss, resume]);
            EmitAccess(ins, size, 0);
            return recorder.ToAccessTemplate(templateKey, addressEnd, key is not null, miss, resume);
        }
        finally
        {
            _a = main;
        }
    }
}
