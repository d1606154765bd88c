using System.Runtime.CompilerServices;

namespace Tos.Tbpf.Jit.Compiler.Emission;

// Recording and copying whole-instruction templates (see InstructionTemplate).
internal sealed partial class X64Emitter
{
    /// <summary>The immediate and displacement fields written so far, when this emitter records a template; else null.</summary>
    private List<(int Offset, int Size, long Value, bool IsDisplacement)>? _fieldLog;

    /// <summary>An emitter that notes every field it patches, to turn what is emitted into it into a template.</summary>
    public static X64Emitter ForRecording(bool crossCheck) => new(64, crossCheck) { _fieldLog = [] };

    /// <summary>Empties a recording emitter for the next instruction.</summary>
    public void Restart()
    {
        _position = 0;
        _labels.Clear();
        _fixups.Clear();
        _fieldLog?.Clear();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LogFields(EncodedForm encoded, long immediate, long displacement)
    {
        var start = _position;
        if (encoded.DisplacementSize != 0)
        {
            _fieldLog!.Add((start + encoded.DisplacementOffset, encoded.DisplacementSize, displacement, true));
        }

        if (encoded.ImmediateSize != 0)
        {
            _fieldLog!.Add((start + encoded.ImmediateOffset, encoded.ImmediateSize, immediate, false));
        }
    }

    /// <summary>
    /// What was recorded, as a template of <paramref name="key"/>: usable when it made no label or branch, fits in
    /// <see cref="InstructionTemplate.MaxLength"/> bytes and <see cref="InstructionTemplate.MaxFields"/> fields, and every
    /// immediate in it is <paramref name="immediate"/> (then each becomes a field to patch) or, when
    /// <paramref name="patchImmediate"/> is false, the key itself fixes every byte (the immediates stay as recorded).
    /// Displacements are allowed only with <paramref name="offset"/> (a frame access): one equal to it becomes a field
    /// patched with the offset, any other is the compiler's own constant (a context field) and stays.
    /// </summary>
    public InstructionTemplate ToTemplate(ulong key, long immediate, bool patchImmediate, long? offset = null)
    {
        var log = _fieldLog ?? throw new InvalidOperationException("this emitter does not record");
        var copyable = _labels.Count == 0 && _fixups.Count == 0 && _position <= InstructionTemplate.MaxLength;
        var fields = new List<TemplateField>();
        foreach (var (at, size, value, isDisplacement) in log)
        {
            if (isDisplacement)
            {
                copyable &= offset is not null;
                if (value == offset)
                {
                    fields.Add(new TemplateField((byte)at, (byte)size, FromOffset: true));
                }
            }
            else if (patchImmediate)
            {
                copyable &= value == immediate;
                fields.Add(new TemplateField((byte)at, (byte)size, FromOffset: false));
            }
        }

        copyable &= fields.Count <= InstructionTemplate.MaxFields;
        return copyable ? InstructionTemplate.Copyable(key, _buffer.AsSpan(0, _position), fields.ToArray()) : InstructionTemplate.Unusable(key);
    }

    /// <summary>
    /// What was recorded for an instruction whose immediate was blinded, as a template of <paramref name="key"/>: usable
    /// when it made no label, branch or displacement, fits, and each immediate in it is <paramref name="masked"/> (the
    /// immediate xor the key; such a field is patched from the copy's immediate) or <paramref name="blindingKey"/> (patched
    /// from the copy's offset, which arithmetic otherwise has no use for).
    /// </summary>
    public InstructionTemplate ToBlindedTemplate(ulong key, long masked, long blindingKey)
    {
        var log = _fieldLog ?? throw new InvalidOperationException("this emitter does not record");
        var copyable = _labels.Count == 0 && _fixups.Count == 0 && _position <= InstructionTemplate.MaxLength
            && log.Count <= InstructionTemplate.MaxFields;
        var fields = new List<TemplateField>();
        foreach (var (at, size, value, isDisplacement) in log)
        {
            copyable &= !isDisplacement && (value == masked || value == blindingKey);
            fields.Add(new TemplateField((byte)at, (byte)size, FromOffset: value == blindingKey));
        }

        return copyable ? InstructionTemplate.Copyable(key, _buffer.AsSpan(0, _position), fields.ToArray()) : InstructionTemplate.Unusable(key);
    }

    /// <summary>How many labels this emitter has made.</summary>
    public int LabelCount => Math.Max(0, _labels.Count - 1);

    /// <summary>The code emitted so far (for comparing a template's copy with a fresh emission).</summary>
    public ReadOnlySpan<byte> Emitted => _buffer.AsSpan(0, _position);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PatchField(ref byte start, TemplateField field, long immediate, long offset) =>
        WriteField(ref Unsafe.Add(ref start, field.Offset), field.Size, field.FromOffset ? offset : immediate);

    // Exact sizes: a field may be followed by more of the sequence.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteField(ref byte at, int size, long value)
    {
        switch (size)
        {
            case 1: at = (byte)value; break;
            case 2: Unsafe.WriteUnaligned(ref at, (short)value); break;
            case 4: Unsafe.WriteUnaligned(ref at, (int)value); break;
            default: Unsafe.WriteUnaligned(ref at, value); break;
        }
    }

    /// <summary>
    /// What was recorded, as the <see cref="AccessTemplate"/> of <paramref name="key"/>: the address up to
    /// <paramref name="addressEnd"/> (its displacement becomes the offset's field, or with <paramref name="blinded"/> the
    /// offset less the key's, and its immediate the key's), then the window check, which branches to
    /// <paramref name="miss"/> and binds <paramref name="resume"/>, then the access (its immediate, a store's value).
    /// Anything else (another label or branch, a displacement in the access) is a compiler bug.
    /// </summary>
    public AccessTemplate ToAccessTemplate(ulong key, int addressEnd, bool blinded, CodeLabel miss, CodeLabel resume)
    {
        var log = _fieldLog ?? throw new InvalidOperationException("this emitter does not record");
        var fields = new AccessField[log.Count];
        for (var i = 0; i < log.Count; i++)
        {
            var (at, size, _, isDisplacement) = log[i];
            var value = at < addressEnd
                ? isDisplacement ? blinded ? AccessValue.OffsetLessKey : AccessValue.Offset : AccessValue.Key
                : isDisplacement ? throw new JitException("a checked access's template has a displacement in the access") : AccessValue.Immediate;
            fields[i] = new AccessField((byte)at, (byte)size, value);
        }

        if (_fixups.Count != 1 || _fixups[0].Label != miss.Id || _labels[resume.Id] < 0)
        {
            throw new JitException("a checked access's template branches or binds other than to its miss and resume");
        }

        return new AccessTemplate(key, _buffer.AsSpan(0, _position).ToArray(), fields, _fixups[0].At, _labels[resume.Id]);
    }

    /// <summary>Copies <paramref name="template"/> here with its values, and returns where the copy starts (the miss
    /// stub patches the check's branch and resumes relative to it).</summary>
    public int Emit(AccessTemplate template, long offset, long key, long immediate)
    {
        var start = _position;
        var bytes = template.Bytes;
        if (_position + bytes.Length + Slack > _buffer.Length)
        {
            Grow(bytes.Length);
        }

        bytes.CopyTo(_buffer.AsSpan(start));
        ref var at = ref _buffer[start];
        foreach (var field in template.Fields)
        {
            var value = field.Value switch
            {
                AccessValue.Offset => offset,
                AccessValue.OffsetLessKey => offset - key,
                AccessValue.Key => key,
                _ => immediate,
            };
            WriteField(ref Unsafe.Add(ref at, field.Offset), field.Size, value);
        }

        _position += bytes.Length;
        return start;
    }

    /// <summary>Points the rel32 field at <paramref name="at"/> (a branch emitted earlier without a label) here.</summary>
    public void PatchBranchHere(int at) => WriteRelative(_buffer, at, _position);

    /// <summary>Copies <paramref name="template"/> here with <paramref name="immediate"/> and <paramref name="offset"/> in
    /// its fields.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Emit(InstructionTemplate template, long immediate, long offset = 0)
    {
        // Reserve leaves at least Slack (32) bytes: the three words are 24.
        ref var at = ref Reserve();
        Unsafe.WriteUnaligned(ref at, template.Word0);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 8), template.Word1);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 16), template.Word2);
        if (template.FieldCount > 0)
        {
            PatchField(ref at, template.Field0, immediate, offset);
            if (template.FieldCount > 1)
            {
                PatchField(ref at, template.Field1, immediate, offset);
            }
        }

        _position += template.Length;
    }
}
