using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tos.Tbpf.State;

/// <summary>Compares byte strings by content: equality and hashing for dictionaries keyed by state keys.</summary>
/// <remarks>
/// Hashing is on every state access's path (a parallel block hashes a key in each overlay, in the multi-version table
/// and again in validation), so it reads 8 bytes per step rather than <see cref="HashCode.AddBytes"/>'s 4-byte
/// rounds. Contracts choose storage keys, so the hash is keyed with a per-process random seed, as
/// <see cref="HashCode"/> is: colliding keys cannot be precomputed offline.
/// </remarks>
internal sealed class ByteKeyEquality : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteKeyEquality Instance = new();

    // Per-process secrets, as HashCode has: without them, colliding keys could be precomputed offline.
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64();
    private static readonly ulong Secret = (ulong)Random.Shared.NextInt64() | 1;

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] key) => Hash(key);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    private static int Hash(ReadOnlySpan<byte> key)
    {
        // 16 bytes per step, folded into the state by one 64×64→128-bit multiply (the two halves xored), as wyhash
        // does: a chain of a few multiplies for a 66-byte state key, where 4-byte rounds took twice as long. The last
        // step reads the final 16 bytes (overlapping the previous step when the length is not a multiple of 16); the
        // length is folded in first, so keys that differ only by trailing bytes still differ.
        ref var start = ref MemoryMarshal.GetReference(key);
        var length = key.Length;
        var state = Seed ^ ((ulong)length * Secret);
        if (length >= 16)
        {
            for (var at = 0; at < length - 16; at += 16)
            {
                state = Fold(Word(ref start, at) ^ Secret, Word(ref start, at + 8) ^ state);
            }

            state = Fold(Word(ref start, length - 16) ^ Secret, Word(ref start, length - 8) ^ state);
        }
        else if (length >= 8)
        {
            state = Fold(Word(ref start, 0) ^ Secret, Word(ref start, length - 8) ^ state);
        }
        else
        {
            ulong word = 0;
            for (var at = 0; at < length; at++)
            {
                word |= (ulong)Unsafe.Add(ref start, at) << (8 * at);
            }

            state = Fold(word ^ Secret, state ^ 0x9E3779B97F4A7C15UL);
        }

        return (int)Fold(state ^ Secret, state ^ 0xBF58476D1CE4E5B9UL);
    }

    private static ulong Word(ref byte start, int at) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, at));

    private static ulong Fold(ulong a, ulong b)
    {
        var high = Math.BigMul(a, b, out var low);
        return high ^ low;
    }
}

/// <summary>Orders byte strings lexicographically, as RocksDB does.</summary>
internal sealed class ByteOrder : IComparer<byte[]>
{
    public static readonly ByteOrder Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
