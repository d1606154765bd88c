using System.Numerics;
using System.Runtime.CompilerServices;
using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Interpretation;

/// <summary>RFC 9669 §5.3 atomic operations on guest memory. One guest thread runs per invocation, so plain
/// read-modify-write is atomic as far as the program can observe.</summary>
internal static class Atomics
{
    public static void Apply(OpcodeInfo row, ref byte memory, ref ulong src, ref ulong r0)
    {
        if (row.Is64)
        {
            Apply<ulong>(row.Atomic, ref memory, ref src, ref r0);
        }
        else
        {
            Apply<uint>(row.Atomic, ref memory, ref src, ref r0);
        }
    }

    private static void Apply<T>(AtomicOperation operation, ref byte memory, ref ulong src, ref ulong r0)
        where T : unmanaged, IBinaryInteger<T>
    {
        var old = Unsafe.ReadUnaligned<T>(ref memory);
        var operand = T.CreateTruncating(src);
        if (operation == AtomicOperation.CmpXchg)
        {
            // Store src only if memory equals r0 (its low half for 32 bits); r0 always receives the old value.
            if (old == T.CreateTruncating(r0))
            {
                Unsafe.WriteUnaligned(ref memory, operand);
            }

            r0 = ulong.CreateTruncating(old);
            return;
        }

        var result = operation switch
        {
            AtomicOperation.Xchg => operand,
            AtomicOperation.Add or AtomicOperation.FetchAdd => old + operand,
            AtomicOperation.Or or AtomicOperation.FetchOr => old | operand,
            AtomicOperation.And or AtomicOperation.FetchAnd => old & operand,
            _ => old ^ operand,
        };
        Unsafe.WriteUnaligned(ref memory, result);
        if (operation is not (AtomicOperation.Add or AtomicOperation.Or or AtomicOperation.And or AtomicOperation.Xor))
        {
            src = ulong.CreateTruncating(old);
        }
    }
}
