namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>Which value of a checked access a field of its <see cref="AccessTemplate"/> takes.</summary>
internal enum AccessValue : byte
{
    /// <summary>The instruction's offset (the address's displacement, unblinded).</summary>
    Offset,
    /// <summary>The offset less the blinding key (the displacement of a blinded address).</summary>
    OffsetLessKey,
    /// <summary>The blinding key (added back after the <c>lea</c>).</summary>
    Key,
    /// <summary>The immediate a store writes.</summary>
    Immediate,
}

/// <summary>Where a copy of an <see cref="AccessTemplate"/> writes one of its values.</summary>
internal readonly record struct AccessField(byte Offset, byte Size, AccessValue Value);

/// <summary>
/// The whole inline sequence of a windowed load or store, copy-and-patch one level above <see cref="InstructionTemplate"/>:
/// the address (<c>lea</c>, and <c>add</c> of the key when the offset is blinded), the window check and the access, with
/// the check's branch to the instruction's miss stub left for the stub to patch (<see cref="MissAt"/>) and the point the
/// stub resumes at (<see cref="ResumeAt"/>). Everything but the offset, key and immediate is fixed by the template's key
/// (opcode, registers, the offset's and immediate's size classes, whether the offset is blinded), so one copy and at
/// most two patches replace the six or seven forms, two labels and two fixups each access was emitted with.
/// </summary>
internal sealed class AccessTemplate(ulong key, byte[] bytes, AccessField[] fields, int missAt, int resumeAt) : IKeyed
{
    public ulong Key { get; } = key;

    public byte[] Bytes { get; } = bytes;

    public AccessField[] Fields { get; } = fields;

    /// <summary>The rel32 field of the window check's branch to the miss stub.</summary>
    public int MissAt { get; } = missAt;

    /// <summary>Where the stub resumes: past the check, at the access.</summary>
    public int ResumeAt { get; } = resumeAt;
}

/// <summary>The access templates of the process (see <see cref="PublishedTable{T}"/>); keys come from the instruction
/// set, so the table is bounded.</summary>
internal static class AccessTemplates
{
    private static readonly PublishedTable<AccessTemplate> Table = new(1 << 14);

    public static AccessTemplate? Find(ulong key) => Table.Find(key);

    public static AccessTemplate Add(AccessTemplate template) => Table.Add(template);
}
