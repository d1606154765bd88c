using System.Runtime.CompilerServices;
using Iced.Intel;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>
/// Every x86 form the compiler has needed, encoded once per process by Iced and shared by all compilations (see
/// <see cref="PublishedTable{T}"/>). The forms are bounded by the compiler's own code (its registers and instruction
/// kinds), not by any input.
/// </summary>
internal static class FormCache
{
    private static readonly PublishedTable<EncodedForm> Table = new(1 << 14);

    [ThreadStatic] private static Assembler? _assembler;
    [ThreadStatic] private static ByteCollector? _collector;
    [ThreadStatic] private static Encoder? _encoder;

    /// <summary>The encoded form of <paramref name="key"/> (see <see cref="FormKey"/>), or null when no compilation has
    /// needed it yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static EncodedForm? Find(ulong key) => Table.Find(key);

    /// <summary>Encodes with Iced, without the cache: the reference the cached path is checked against.</summary>
    public static EncodedForm Encode(ulong key, FormBuilder builder, in Operands operands)
    {
        var assembler = _assembler ??= new Assembler(64) { PreferShortBranch = false };
        var collector = _collector ??= new ByteCollector();
        var encoder = _encoder ??= Encoder.Create(64, collector);
        assembler.Reset();
        builder(assembler, operands);
        if (assembler.Instructions.Count != 1)
        {
            throw new JitException($"an x86 form made {assembler.Instructions.Count} instructions where one was expected");
        }

        collector.Clear();
        if (!encoder.TryEncode(assembler.Instructions[0], 0, out _, out var error))
        {
            throw new JitException($"x86 encoding of {assembler.Instructions[0]} failed: {error}");
        }

        return new EncodedForm(key, collector.Bytes, encoder.GetConstantOffsets());
    }

    /// <summary>Encodes <paramref name="key"/>'s form with <paramref name="builder"/> and keeps it.</summary>
    public static EncodedForm Add(ulong key, FormBuilder builder, in Operands operands) => Table.Add(Encode(key, builder, operands));

    private sealed class ByteCollector : CodeWriter
    {
        private readonly byte[] _bytes = new byte[16];
        private int _length;

        public ReadOnlySpan<byte> Bytes => _bytes.AsSpan(0, _length);

        public void Clear() => _length = 0;

        public override void WriteByte(byte value) => _bytes[_length++] = value;
    }
}
