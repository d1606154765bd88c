namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>
/// A fixed sequence of instructions captured once and replayed by copying, the copy-and-patch idea one level up: its
/// bytes, where it binds its external labels and where it branches to them. Used for sequences that recur in every
/// memory access and vary only in their branch targets (see <see cref="X64Emitter.Capture"/>).
/// </summary>
internal sealed class Macro(byte[] bytes, (int Offset, int Slot)[] bindings, (int At, int Slot)[] fixups, ulong key = 0) : IKeyed
{
    /// <summary>The key it is kept under in a <see cref="PublishedTable{T}"/>, when it is (see <see cref="WithKey"/>).</summary>
    public ulong Key { get; } = key;

    /// <summary>This sequence kept under <paramref name="key"/>.</summary>
    public Macro WithKey(ulong key) => new(Bytes, Bindings, Fixups, key);

    public byte[] Bytes { get; } = bytes;

    /// <summary>External labels the sequence binds: at which offset of it.</summary>
    public (int Offset, int Slot)[] Bindings { get; } = bindings;

    /// <summary>rel32 fields of branches to external labels.</summary>
    public (int At, int Slot)[] Fixups { get; } = fixups;
}

internal sealed partial class X64Emitter
{
    /// <summary>Emits <paramref name="body"/> into a scratch emitter and keeps it as a <see cref="Macro"/>;
    /// <paramref name="body"/> gets <paramref name="externals"/> labels to branch to or bind, which a replay maps to
    /// real ones. Branches between the sequence's own labels are resolved here: they are position independent.</summary>
    public static Macro Capture(int externals, Action<X64Emitter, CodeLabel[]> body)
    {
        // Cross-checked like any compilation when the tests ask for it: some forms occur only inside macros.
        using var scratch = new X64Emitter(256, X64Compiler.CrossCheckEncodings);
        var labels = Enumerable.Range(0, externals).Select(_ => scratch.CreateLabel()).ToArray();
        body(scratch, labels);
        var bindings = new List<(int, int)>();
        for (var slot = 0; slot < externals; slot++)
        {
            if (scratch._labels[labels[slot].Id] >= 0)
            {
                bindings.Add((scratch._labels[labels[slot].Id], slot));
            }
        }

        var fixups = new List<(int, int)>();
        for (var i = 0; i < scratch._fixups.Count; i++)
        {
            var (at, label) = scratch._fixups[i];
            var slot = Array.FindIndex(labels, l => l.Id == label);
            var bound = scratch._labels[label];
            if (slot >= 0)
            {
                fixups.Add((at, slot));
            }
            else if (bound >= 0)
            {
                WriteRelative(scratch._buffer, at, bound);
            }
            else
            {
                throw new JitException("a captured sequence branches to a label it neither binds nor exports");
            }
        }

        return new Macro(scratch._buffer.AsSpan(0, scratch._position).ToArray(), [.. bindings], [.. fixups]);
    }

    /// <summary>Copies <paramref name="macro"/> here, its external labels being <paramref name="labels"/>; with
    /// <paramref name="knownSlot"/>, branches to that slot go to code offset <paramref name="knownTarget"/>, already
    /// emitted (no label: a stub resuming where its access left off).</summary>
    public void Emit(Macro macro, ReadOnlySpan<CodeLabel> labels, int knownSlot = -1, int knownTarget = 0) =>
        EmitMacro(macro, labels, knownSlot, knownTarget, []);

    /// <summary>Copies <paramref name="macro"/> here with its external labels <paramref name="labels"/>, except that a
    /// slot whose label is unset is a stub the caller emits later and patches itself (entered by one branch, it needs no
    /// label): <paramref name="stubBranches"/> gets, per slot, where that branch has its rel32 (-1 when the sequence does
    /// not branch there).</summary>
    public void Emit(Macro macro, ReadOnlySpan<CodeLabel> labels, Span<int> stubBranches)
    {
        stubBranches.Fill(-1);
        EmitMacro(macro, labels, knownSlot: -1, knownTarget: 0, stubBranches);
    }

    private void EmitMacro(Macro macro, ReadOnlySpan<CodeLabel> labels, int knownSlot, int knownTarget, Span<int> stubBranches)
    {
        var start = _position;
        var bytes = macro.Bytes;
        if (_position + bytes.Length + Slack > _buffer.Length)
        {
            Grow(bytes.Length);
        }

        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
        foreach (var (offset, slot) in macro.Bindings)
        {
            if (_labels[labels[slot].Id] >= 0)
            {
                throw new JitException($"label {labels[slot].Id} is bound twice");
            }

            _labels[labels[slot].Id] = start + offset;
        }

        foreach (var (at, slot) in macro.Fixups)
        {
            if (slot == knownSlot)
            {
                WriteRelative(_buffer, start + at, knownTarget);
            }
            else if (slot < stubBranches.Length && !labels[slot].IsValid)
            {
                if (stubBranches[slot] >= 0)
                {
                    throw new JitException("a captured sequence branches twice to a stub that has no label");
                }

                stubBranches[slot] = start + at;
            }
            else
            {
                AddFixup(start + at, labels[slot]);
            }
        }
    }
}
