using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Iced.Intel;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>A position in the code that branches refer to; bound once. The default label is no label.</summary>
internal readonly record struct CodeLabel(int Id)
{
    public bool IsValid => Id > 0;
}

/// <summary>
/// Writes x86-64 code, copy-and-patch style: each instruction form (mnemonic, registers, memory shape, size classes)
/// is encoded by Iced once per process (<see cref="FormCache"/>) and then copied with its immediate and displacement
/// patched in. Branches to labels are always rel32 and resolved when the code is finished, so no pass over the code
/// is needed to size them. The instruction methods mirror Iced's <see cref="Assembler"/> (split by mnemonic family
/// across partial files), which is also what encodes each form.
/// </summary>
internal sealed partial class X64Emitter : IDisposable
{
    private const int Slack = 32;

    private byte[] _buffer;
    private int _position;
    private readonly PooledList<int> _labels;          // label id -> offset, -1 while unbound; id 0 unused
    private readonly PooledList<(int At, int Label)> _fixups;

    /// <param name="capacityHint">Bytes the code is expected to need; the buffer grows past it when needed.</param>
    /// <param name="crossCheck">Also encode every instruction afresh with Iced and fail on any difference (tests).</param>
    /// <param name="branchHint">Labels and branches the code is expected to need: sized up front, the lists are not copied
    /// as they grow.</param>
    public X64Emitter(int capacityHint, bool crossCheck = false, int branchHint = 64)
    {
        _labels = new PooledList<int>(branchHint);
        _fixups = new PooledList<(int At, int Label)>(branchHint);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacityHint, 4096) + Slack);
        CrossCheck = crossCheck;
    }

    /// <summary>Bytes written so far, which is also the offset of the next instruction.</summary>
    public int Position => _position;

    private bool CrossCheck { get; }

    public CodeLabel CreateLabel()
    {
        if (_labels.Count == 0)
        {
            _labels.Add(-1);
        }

        _labels.Add(-1);
        return new CodeLabel(_labels.Count - 1);
    }

    /// <summary>Creates <paramref name="count"/> labels with consecutive ids and returns the first: one per instruction
    /// of a program costs one fill, where creating them one by one for each block entry was a pass of its own.</summary>
    public CodeLabel CreateLabels(int count)
    {
        if (_labels.Count == 0)
        {
            _labels.Add(-1);
        }

        var first = _labels.Count;
        _labels.AddRepeated(-1, count);
        return new CodeLabel(first);
    }

    /// <summary>Binds <paramref name="label"/> to the current position.</summary>
    public void Bind(CodeLabel label)
    {
        if (_labels[label.Id] >= 0)
        {
            throw new JitException($"label {label.Id} is bound twice");
        }

        _labels[label.Id] = _position;
    }

    /// <summary>The offset <paramref name="label"/> is bound to.</summary>
    public int OffsetOf(CodeLabel label) => _labels[label.Id];

    /// <summary>Resolves every branch and returns the code, which stays valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        // One pass over every branch of the program: spans, not the lists' checked indexers.
        var labels = _labels.AsSpan();
        var code = _buffer.AsSpan(0, _position);
        foreach (var (at, label) in _fixups.AsSpan())
        {
            var target = labels[label];
            if (target < 0)
            {
                throw new JitException($"a branch at code offset {at} targets label {label}, which was never bound");
            }

            WriteRelative(code, at, target);
        }

        return _buffer.AsSpan(0, _position);
    }

    /// <summary>Points the rel32 field at <paramref name="at"/> of <paramref name="code"/> at <paramref name="target"/>
    /// (relative to the field's end, as every rel32 branch is).</summary>
    private static void WriteRelative(Span<byte> code, int at, int target) =>
        BinaryPrimitives.WriteInt32LittleEndian(code[at..], target - (at + 4));

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _labels.Dispose();
        _fixups.Dispose();
    }

    /// <summary>Emits form number <paramref name="form"/> of registers and an immediate; <paramref name="builder"/> makes it
    /// with Iced the first time the process needs it. The key is computed from the scalars themselves: building an
    /// <see cref="Operands"/> per instruction (zeroing and copying a dozen fields) cost more than the copy it selects.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EmitRegisters(int form, FormBuilder builder, Register r0 = Register.None, Register r1 = Register.None,
        Register r2 = Register.None, long immediate = 0)
    {
        var key = FormKey.Registers(form, r0, r1, r2) | FormKey.Immediate(immediate);
        var encoded = FormCache.Find(key);
        if (encoded is null || CrossCheck)
        {
            encoded = Encode(key, builder, r0, r1, r2, default, immediate, encoded);
        }

        Write(encoded, immediate, 0);
    }

    /// <summary>Emits form number <paramref name="form"/> of one register (or none), a memory operand and an immediate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EmitMemory(int form, FormBuilder builder, Register r0, in Mem memory, long immediate = 0)
    {
        var key = FormKey.Registers(form, r0, Register.None, Register.None) | FormKey.Memory(memory) | FormKey.Immediate(immediate);
        var encoded = FormCache.Find(key);
        if (encoded is null || CrossCheck)
        {
            encoded = Encode(key, builder, r0, Register.None, Register.None, memory, immediate, encoded);
        }

        Write(encoded, immediate, memory.Displacement);
    }

    /// <summary>The form of <paramref name="key"/> when the cache does not hold it yet (<paramref name="cached"/> null), or
    /// the cached one checked against a fresh encoding (tests). Out of line, so that the hot path builds no operands.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private EncodedForm Encode(ulong key, FormBuilder builder, Register r0, Register r1, Register r2, Mem memory, long immediate,
        EncodedForm? cached)
    {
        var operands = new Operands(r0, r1, r2, memory, immediate);
        if (cached is null)
        {
            return FormCache.Add(key, builder, operands);
        }

        VerifyAgainstIced(key, builder, operands, cached);
        return cached;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write(EncodedForm encoded, long immediate, long displacement)
    {
        ref var at = ref Reserve();
        Unsafe.WriteUnaligned(ref at, encoded.Low);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 8), encoded.High);
        PatchFields(ref at, encoded, immediate, displacement);
        if (_fieldLog is not null)
        {
            LogFields(encoded, immediate, displacement);
        }

        _position += encoded.Length;
    }

    /// <summary>
    /// Writes the displacement and the immediate into a copied form, each as a whole word, with no branch on their sizes.
    /// x86 encodes the displacement before the immediate and the immediate last, and both little-endian, so the low bytes
    /// land in the fields; the displacement's excess bytes are overwritten by the immediate written after it, and what
    /// lies past the instruction's end by the next instruction. Reserve leaves at least Slack (32) bytes: a field starts
    /// by byte 14 and a word ends by byte 22.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PatchFields(ref byte at, EncodedForm encoded, long immediate, long displacement)
    {
        if (encoded.DisplacementSize != 0)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, encoded.DisplacementOffset), displacement);
        }

        if (encoded.ImmediateSize != 0)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, encoded.ImmediateOffset), immediate);
        }
    }

    /// <summary>A rel32 branch (jcc, jmp or call) to <paramref name="label"/>, fixed up in <see cref="Finish"/>.</summary>
    public void Branch(BranchForm form, CodeLabel label)
    {
        if (!label.IsValid)
        {
            throw new JitException("a branch targets no label");
        }

        AddFixup(BranchToPatch(form), label);
    }

    /// <summary>A rel32 branch whose target the caller patches (<see cref="PatchBranchHere"/>); returns where its rel32
    /// is.</summary>
    public int BranchToPatch(BranchForm form)
    {
        var encoded = BranchForms.Get(form);
        ref var at = ref Reserve();
        Unsafe.WriteUnaligned(ref at, encoded.Bytes);
        _position += encoded.Length;
        return _position - 4;
    }

    private void AddFixup(int at, CodeLabel label) => _fixups.Add((at, label.Id));

    /// <summary>Pads with <c>int3</c> up to the next multiple of <paramref name="alignment"/> (a power of two): for code
    /// that is only ever jumped to, so the padding is never run.</summary>
    public void AlignWithTraps(int alignment)
    {
        var count = -_position & (alignment - 1);
        if (_position + count + Slack > _buffer.Length)
        {
            Grow(count + Slack);
        }

        _buffer.AsSpan(_position, count).Fill(0xcc);
        _position += count;
    }

    /// <summary>The byte at the current position, with at least <see cref="Slack"/> bytes of buffer from it (grown if
    /// needed): every write of one instruction stays inside that window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte Reserve()
    {
        if (_position + Slack > _buffer.Length)
        {
            Grow(Slack);
        }

        return ref _buffer[_position];
    }

    private void Grow(int atLeast)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + atLeast + Slack));
        _buffer.AsSpan(0, _position).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private static void VerifyAgainstIced(ulong key, FormBuilder builder, in Operands operands, EncodedForm cached)
    {
        var fresh = FormCache.Encode(key, builder, operands);
        Span<byte> expected = stackalloc byte[32];
        Span<byte> patched = stackalloc byte[32];
        Unsafe.WriteUnaligned(ref expected[0], fresh.Low);
        Unsafe.WriteUnaligned(ref expected[8], fresh.High);
        Unsafe.WriteUnaligned(ref patched[0], cached.Low);
        Unsafe.WriteUnaligned(ref patched[8], cached.High);
        PatchFields(ref patched[0], cached, operands.Immediate, operands.Memory.Displacement);

        if (fresh.Length != cached.Length || !expected[..fresh.Length].SequenceEqual(patched[..cached.Length]))
        {
            throw new JitException($"the cached form gives {Convert.ToHexString(patched[..cached.Length])} where Iced encodes {Convert.ToHexString(expected[..fresh.Length])}");
        }
    }
}
