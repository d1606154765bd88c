using System.Buffers.Binary;
using System.Text;

namespace Tos.Tbpf.Syscalls;

/// <summary>MurmurHash3 x86 32-bit, the key Solana-style programs use to name a syscall.</summary>
public static class Murmur3
{
    /// <summary>Hashes a syscall name (UTF-8) with seed 0: <c>sol_log_</c> → 544561597.</summary>
    public static uint HashName(string name) => Hash32(Encoding.UTF8.GetBytes(name));

    /// <summary>MurmurHash3_x86_32 of <paramref name="data"/>.</summary>
    public static uint Hash32(ReadOnlySpan<byte> data, uint seed = 0)
    {
        const uint c1 = 0xcc9e2d51, c2 = 0x1b873593;
        var h = seed;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data[(i * 4)..]);
            k = unchecked(k * c1);
            k = uint.RotateLeft(k, 15);
            k = unchecked(k * c2);
            h ^= k;
            h = uint.RotateLeft(h, 13);
            h = unchecked(h * 5 + 0xe6546b64);
        }

        var tail = data[(blocks * 4)..];
        uint t = 0;
        switch (tail.Length)
        {
            case 3: t ^= (uint)tail[2] << 16; goto case 2;
            case 2: t ^= (uint)tail[1] << 8; goto case 1;
            case 1:
                t ^= tail[0];
                t = unchecked(t * c1);
                t = uint.RotateLeft(t, 15);
                t = unchecked(t * c2);
                h ^= t;
                break;
        }

        h ^= (uint)data.Length;
        h ^= h >> 16;
        h = unchecked(h * 0x85ebca6b);
        h ^= h >> 13;
        h = unchecked(h * 0xc2b2ae35);
        h ^= h >> 16;
        return h;
    }
}
