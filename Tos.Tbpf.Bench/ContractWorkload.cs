using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Tos.Tbpf.Bench;

/// <summary>
/// A real contract (a committed clang-19 object of native-contracts) run on a fixed input, with a check of what it
/// logs computed independently of TBPF: the sha256 contract must log .NET's SHA-256 of the input, the sort contract the
/// input sorted by <see cref="Array.Sort{T}(T[])"/>.
/// </summary>
public sealed record ContractWorkload(string Name, string Contract, string Description, byte[] Input, byte[] ExpectedLog)
{
    public static readonly ContractWorkload[] All = [Sha256(), Sort()];

    public static ContractWorkload Named(string name) => All.Single(w => w.Name == name);

    private static ContractWorkload Sha256()
    {
        var input = new byte[1024];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (byte)(i * 31 + 7);
        }

        return new("sha256_1k", "sha256", "SHA-256 of 1 KiB (contract)", input, SHA256.HashData(input));
    }

    private static ContractWorkload Sort()
    {
        var values = new uint[256];
        var state = 0x9e3779b9u;
        for (var i = 0; i < values.Length; i++)
        {
            // xorshift32: a fixed, well-mixed sequence.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            values[i] = state;
        }

        var input = Bytes(values);
        Array.Sort(values);
        return new("sort_256", "sort", "quicksort of 256 u32 (contract)", input, Bytes(values));
    }

    private static byte[] Bytes(uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}
