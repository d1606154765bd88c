using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Instruction = Tos.Tbpf.Isa.Instruction;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// Arithmetic instructions and accesses to the current stack frame from whole-instruction templates
/// (<see cref="InstructionTemplate"/>): most of a program, and instructions whose x86 sequence depends only on the
/// opcode, the registers and the size classes of the immediate and offset, which are then copied and patched at once
/// instead of being built form by form. The first instruction of each key is emitted the ordinary way into a recording
/// emitter, and the template made from what it wrote; with <see cref="CrossCheckEncodings"/> (the tests) every copy is
/// compared with a fresh ordinary emission. Arithmetic whose immediate is blinded has templates too, keyed by the
/// blinded value's class (<see cref="TryEmitBlindedFromTemplate"/>).
/// </summary>
internal sealed partial class X64Compiler
{
    private X64Emitter? _recorder;

    /// <summary>Emits <paramref name="ins"/> from its template when it has a usable one; false when the caller must emit
    /// it the ordinary way.</summary>
    private bool TryEmitFromTemplate(Instruction ins)
    {
        var key = TemplateKey(ins, out var patchImmediate, out var frameAccess);
        if (key == 0)
        {
            return TryEmitBlindedFromTemplate(ins);
        }

        var template = InstructionTemplates.Find(key) ?? InstructionTemplates.Add(Record(key, ins, patchImmediate, frameAccess));
        if (!template.Usable)
        {
            return false;
        }

        if (CrossCheckEncodings)
        {
            VerifyTemplate(template, ins);
        }

        _a.Emit(template, ins.Imm, ins.Offset);
        return true;
    }

    /// <summary>
    /// The template key of <paramref name="ins"/>, or 0 when it is not emitted from a template. Everything the ordinary
    /// emission of these instructions branches on is in the key: the opcode (kind, operation, width, imm or register),
    /// both registers, the profile's sign extension of 32-bit results, and of the immediate its size class and sign (which
    /// pick the x86 forms) or, for a shift, the count itself (masked, so not the program's value: it is never patched).
    /// Immediates that need blinding take random keys per use, so those instructions have no template of this key (see
    /// <see cref="TryEmitBlindedFromTemplate"/> for theirs). A load or
    /// store has one only as an unchecked access to the current frame (see <see cref="IsFrameAccess(Instruction)"/>), which is one
    /// fixed sequence, keyed also by the size class of its offset (patched as the access's displacement).
    /// </summary>
    private ulong TemplateKey(Instruction ins, out bool patchImmediate, out bool frameAccess)
    {
        frameAccess = ShapeOf[(int)ins.Op] >= TemplateShape.FrameLoad && _frameAccessesUnchecked && IsFrameAccess(ins);
        return TemplateKey(ins, frameAccess, _profile.SignExtend32Results, _options.BlindConstants, out patchImmediate);
    }

    /// <summary>The template key of <paramref name="ins"/> when it is (<paramref name="frameAccess"/>) or is not an
    /// unchecked frame access, under a profile's sign extension and a blinding choice (see above); internal for the
    /// tests.</summary>
    internal static ulong TemplateKey(Instruction ins, bool frameAccess, bool signExtend32Results, bool blindConstants,
        out bool patchImmediate)
    {
        patchImmediate = false;
        ulong detail;
        var shape = ShapeOf[(int)ins.Op];
        if (shape >= TemplateShape.FrameLoad)
        {
            // The offset is split by blinding as a constant is.
            if (!frameAccess || NeedsBlinding(ins.Offset, blindConstants))
            {
                return 0;
            }

            detail = 32 + FormKey.DisplacementClass(ins.Offset);
            if (shape == TemplateShape.FrameStoreImmediate)
            {
                if (!PatchableImmediate(ins, blindConstants))
                {
                    return 0;
                }

                patchImmediate = true;
                detail |= FormKey.ImmediateClass(ins.Imm) << 2;
            }

            return Compose(ins, detail, signExtend32Results);
        }

        switch (shape)
        {
            case TemplateShape.Registers:
                detail = 0;
                break;
            case TemplateShape.Immediate or TemplateShape.ShiftCount64 or TemplateShape.ShiftCount32:
                if (!PatchableImmediate(ins, blindConstants))
                {
                    return 0;
                }

                if (shape == TemplateShape.Immediate)
                {
                    // The sign too: mov64 picks a zero-extending or a sign-extending form by it (MoveShortest).
                    patchImmediate = true;
                    detail = 1 + FormKey.ImmediateClass(ins.Imm) + (ins.Imm < 0 ? 16UL : 0);
                }
                else
                {
                    detail = 16 + (ulong)(ins.Imm32 & (shape == TemplateShape.ShiftCount64 ? 63 : 31));
                }

                break;
            default:
                return 0;
        }

        return Compose(ins, detail, signExtend32Results);
    }

    // Only an immediate that is its 32-bit encoding sign-extended (what decoding gives), and that needs no blinding, is
    // patched into a copy.
    private static bool PatchableImmediate(Instruction ins, bool blindConstants) =>
        ins.Imm == ins.Imm32 && !NeedsBlinding(ins.Imm32, blindConstants);

    private static ulong Compose(Instruction ins, ulong detail, bool signExtend32Results) =>
        1UL << 63
        | (ulong)ins.Op
        | (ulong)(ins.Dst & 15) << 8
        | (ulong)(ins.Src & 15) << 12
        | detail << 16
        | (signExtend32Results ? 1UL << 32 : 0);

    /// <summary>Which opcodes have templates, and what of the immediate goes into the key: read once from
    /// <see cref="OpcodeInfo"/>, as the key is computed for every instruction compiled.</summary>
    private enum TemplateShape : byte
    {
        None,
        /// <summary>Unary, or binary with a register source: the key is the opcode and registers.</summary>
        Registers,
        /// <summary>Binary with an immediate, patched into the copy; its size class is in the key.</summary>
        Immediate,
        /// <summary>A shift by a constant: the count, masked to the width, is in the key and never patched.</summary>
        ShiftCount64,
        ShiftCount32,
        // Loads and stores: templated only as unchecked frame accesses (these three come last: see TemplateKey).
        FrameLoad,
        FrameStore,
        /// <summary>A store of the immediate: both it and the offset are patched.</summary>
        FrameStoreImmediate,
    }

    private static readonly TemplateShape[] ShapeOf = BuildShapes();

    private static TemplateShape[] BuildShapes()
    {
        var shapes = new TemplateShape[Enum.GetValues<Op>().Length];
        foreach (var op in Enum.GetValues<Op>())
        {
            if (op is Op.Invalid or Op.LddwTail)
            {
                continue;
            }

            var row = OpcodeTable.Get(op);
            shapes[(int)op] = row.Kind switch
            {
                InstructionKind.UnaryAlu => TemplateShape.Registers,
                // Division defers the slow path of a zero divisor: no template.
                InstructionKind.BinaryAlu when row.Alu is AluOperation.Div or AluOperation.SDiv or AluOperation.Mod or AluOperation.SMod =>
                    TemplateShape.None,
                InstructionKind.BinaryAlu when !row.UsesImmediate => TemplateShape.Registers,
                InstructionKind.BinaryAlu when row.Alu is AluOperation.Lsh or AluOperation.Rsh or AluOperation.Arsh =>
                    row.Is64 ? TemplateShape.ShiftCount64 : TemplateShape.ShiftCount32,
                InstructionKind.BinaryAlu => TemplateShape.Immediate,
                InstructionKind.Load => TemplateShape.FrameLoad,
                InstructionKind.Store => row.UsesImmediate ? TemplateShape.FrameStoreImmediate : TemplateShape.FrameStore,
                _ => TemplateShape.None,
            };
        }

        return shapes;
    }

    /// <summary>
    /// Arithmetic with an immediate that needs blinding: the ordinary emission rebuilds it from two immediates,
    /// <c>imm ^ key</c> and a random <c>key</c> (<see cref="LoadImmediate"/>), then applies the operation, a sequence
    /// fixed by the opcode, the registers and the size class and sign of <c>imm ^ key</c>. The key is drawn here, where the
    /// ordinary emission would draw it (the same random stream), and the copy takes <c>imm ^ key</c> in its immediate
    /// fields and the key in its "offset" ones (arithmetic has no offset; see <see cref="X64Emitter.ToBlindedTemplate"/>).
    /// </summary>
    private bool TryEmitBlindedFromTemplate(Instruction ins)
    {
        if (ShapeOf[(int)ins.Op] != TemplateShape.Immediate || ins.Imm != ins.Imm32 || !NeedsBlinding(ins.Imm32))
        {
            return false;
        }

        var blindingKey = Key32(ins.Imm32);
        var masked = ins.Imm32 ^ blindingKey;
        var key = BlindedTemplateKey(ins, masked, _profile.SignExtend32Results);
        var template = InstructionTemplates.Find(key) ?? InstructionTemplates.Add(RecordBlinded(key, ins, blindingKey));
        if (CrossCheckEncodings)
        {
            // The copy takes the key in its offset fields; the ordinary emission blinds with the same key.
            VerifyTemplate(template, ins, masked, offset: blindingKey, blindingKey);
        }

        if (!template.Usable)
        {
            // The caller emits it the ordinary way, with the key already drawn.
            _drawnKey = blindingKey;
            return false;
        }

        _a.Emit(template, masked, blindingKey);
        return true;
    }

    /// <summary>The template key of arithmetic <paramref name="ins"/> whose immediate is blinded to
    /// <paramref name="masked"/> (internal for the tests): the size class and sign of the masked value pick the forms.</summary>
    internal static ulong BlindedTemplateKey(Instruction ins, int masked, bool signExtend32Results) =>
        Compose(ins, 128 + FormKey.ImmediateClass(masked) + (masked < 0 ? 16UL : 0), signExtend32Results);

    /// <summary>A blinding key drawn ahead (by <see cref="TryEmitBlindedFromTemplate"/>), which the next
    /// <see cref="Key32"/> returns instead of drawing: the ordinary emission of the instruction then blinds with it.</summary>
    private int? _drawnKey;

    private InstructionTemplate RecordBlinded(ulong key, Instruction ins, int blindingKey)
    {
        _drawnKey = blindingKey;
        EmitOrdinarilyInto(Recorder(), ins);
        return _recorder!.ToBlindedTemplate(key, ins.Imm32 ^ blindingKey, blindingKey);
    }

    /// <summary>Emits <paramref name="ins"/> the ordinary way into the recording emitter and makes the template.</summary>
    private InstructionTemplate Record(ulong key, Instruction ins, bool patchImmediate, bool frameAccess)
    {
        EmitOrdinarilyInto(Recorder(), ins);
        return _recorder!.ToTemplate(key, ins.Imm, patchImmediate, frameAccess ? ins.Offset : null);
    }

    private void VerifyTemplate(InstructionTemplate template, Instruction ins) => VerifyTemplate(template, ins, ins.Imm, ins.Offset);

    /// <summary>Compares a copy with <paramref name="immediate"/> and <paramref name="offset"/> in its fields with the
    /// ordinary emission (blinded, when <paramref name="blindingKey"/> is given, with that key).</summary>
    private void VerifyTemplate(InstructionTemplate template, Instruction ins, long immediate, long offset, int? blindingKey = null)
    {
        if (!template.Usable)
        {
            return;
        }

        _drawnKey = blindingKey;
        EmitOrdinarilyInto(Recorder(), ins);
        using var copy = new X64Emitter(64);
        copy.Emit(template, immediate, offset);
        if (!copy.Emitted.SequenceEqual(_recorder!.Emitted))
        {
            throw new JitException($"the template of {ins.Op} gives {Convert.ToHexString(copy.Emitted)} where the compiler emits {Convert.ToHexString(_recorder.Emitted)}");
        }
    }

    private X64Emitter Recorder()
    {
        _recorder ??= X64Emitter.ForRecording(CrossCheckEncodings);
        _recorder.Restart();
        return _recorder;
    }

    /// <summary>Runs the ordinary emission of an instruction with <paramref name="target"/> as the emitter. An
    /// instruction with a template defers no slow path (it cannot fail) and asks for no label, which is checked: a slow
    /// path or a shared label (a window routine, an anchor) made against another emitter would be a miscompilation.</summary>
    private void EmitOrdinarilyInto(X64Emitter target, Instruction ins)
    {
        var main = _a;
        var slowPaths = _slowPaths.Count;
        _a = target;
        try
        {
            EmitInstructionOrdinarily(pc: 0, ins);
        }
        finally
        {
            _a = main;
        }

        if (_slowPaths.Count != slowPaths || target.LabelCount > 0 || _drawnKey is not null)
        {
            throw new JitException($"{ins.Op} deferred a slow path, made a label or left a drawn key unused while recorded as a template");
        }
    }
}
