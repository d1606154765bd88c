using System.Runtime.CompilerServices;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>
/// The whole x86 sequence of one eBPF instruction, copy-and-patch one level above <see cref="EncodedForm"/>: recorded
/// the first time the process compiles an instruction of its key (see <c>X64Compiler.TemplateKey</c>) and then copied,
/// with the instruction's immediate (or offset) written into its fields. An instruction whose recording showed anything a
/// copy cannot reproduce (a label, a branch, an immediate that is not the instruction's, more than
/// <see cref="MaxLength"/> bytes or <see cref="MaxFields"/> fields) gets an unusable template, and the compiler emits
/// it form by form as before.
/// </summary>
internal sealed class InstructionTemplate : IKeyed
{
    /// <summary>The longest sequence a template holds: three words, written whole (Reserve leaves 32 bytes).</summary>
    public const int MaxLength = 24;

    /// <summary>The most immediate fields a template patches (arithmetic needs one).</summary>
    public const int MaxFields = 2;

    private InstructionTemplate(ulong key, ReadOnlySpan<byte> bytes, ReadOnlySpan<TemplateField> fields, bool usable)
    {
        Key = key;
        Span<byte> padded = stackalloc byte[MaxLength];
        padded.Clear();
        bytes[..Math.Min(bytes.Length, MaxLength)].CopyTo(padded);
        Word0 = Unsafe.ReadUnaligned<ulong>(ref padded[0]);
        Word1 = Unsafe.ReadUnaligned<ulong>(ref padded[8]);
        Word2 = Unsafe.ReadUnaligned<ulong>(ref padded[16]);
        Length = (byte)Math.Min(bytes.Length, MaxLength);
        FieldCount = (byte)fields.Length;
        Field0 = fields.Length > 0 ? fields[0] : default;
        Field1 = fields.Length > 1 ? fields[1] : default;
        Usable = usable;
    }

    public ulong Key { get; }
    public ulong Word0 { get; }
    public ulong Word1 { get; }
    public ulong Word2 { get; }
    public byte Length { get; }

    /// <summary>How many fields take a value of the instruction; the fields follow, held in the template itself so that
    /// a copy reads one object.</summary>
    public byte FieldCount { get; }
    public TemplateField Field0 { get; }
    public TemplateField Field1 { get; }

    /// <summary>False when the sequence cannot be copied: the compiler then emits the instruction form by form.</summary>
    public bool Usable { get; }

    public static InstructionTemplate Copyable(ulong key, ReadOnlySpan<byte> bytes, ReadOnlySpan<TemplateField> fields) =>
        new(key, bytes, fields, usable: true);

    public static InstructionTemplate Unusable(ulong key) => new(key, [], [], usable: false);
}

/// <summary>Where a copy writes a value of its instruction: at <paramref name="Offset"/>, <paramref name="Size"/> bytes of the
/// immediate or, with <paramref name="FromOffset"/>, of the instruction's 16-bit offset (a displacement).</summary>
internal readonly record struct TemplateField(byte Offset, byte Size, bool FromOffset);

/// <summary>
/// The templates of the process, shared by all compilations (see <see cref="PublishedTable{T}"/>). Keys come from the
/// instruction set (opcode, registers, a size class of the immediate and offset or a shift count), not from any input's
/// values, so the table is bounded.
/// </summary>
internal static class InstructionTemplates
{
    private static readonly PublishedTable<InstructionTemplate> Table = new(1 << 15);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InstructionTemplate? Find(ulong key) => Table.Find(key);

    /// <summary>Keeps <paramref name="template"/> unless another compilation kept one of its key first (either is right:
    /// both were recorded from the same key).</summary>
    public static InstructionTemplate Add(InstructionTemplate template) => Table.Add(template);
}
