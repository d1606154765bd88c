using System.Numerics;
using System.Runtime.CompilerServices;
using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Interpretation;

/// <summary>RFC 9669 §5.3 atomic operations on guest memory. One guest thread runs per invocation, so plain
/// read-modify-write is atomic as far as the program can observe.</summary>
internal static class Atomics
{
    // Offsets of each operation from the first atomic of its width, in the order of the Op enum.
    private const int Add = 0, Or = 1, And = 2, Xor = 3, FetchAdd = 4, Xchg = 8, CmpXchg = 9;

    public static void Apply(Op op, ref byte memory, ref ulong src, ref ulong r0)
    {
        if (op <= Op.AtomicCmpXchg32)
        {
            Apply<uint>(op - Op.AtomicAdd32, ref memory, ref src, ref r0);
        }
        else
        {
            Apply<ulong>(op - Op.AtomicAdd64, ref memory, ref src, ref r0);
        }
    }

    private static void Apply<T>(int operation, ref byte memory, ref ulong src, ref ulong r0)
        where T : unmanaged, IBinaryInteger<T>
    {
        var old = Unsafe.ReadUnaligned<T>(ref memory);
        var operand = T.CreateTruncating(src);
        if (operation == CmpXchg)
        {
            // Store src only if memory equals r0 (its low half for 32 bits); r0 always receives the old value.
            if (old == T.CreateTruncating(r0))
            {
                Unsafe.WriteUnaligned(ref memory, operand);
            }

            r0 = ulong.CreateTruncating(old);
            return;
        }

        var result = operation == Xchg ? operand : (operation % FetchAdd) switch
        {
            Add => old + operand,
            Or => old | operand,
            And => old & operand,
            _ => old ^ operand,
        };
        Unsafe.WriteUnaligned(ref memory, result);
        if (operation >= FetchAdd)
        {
            src = ulong.CreateTruncating(old);
        }
    }
}
