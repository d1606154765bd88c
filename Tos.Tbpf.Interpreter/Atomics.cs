using System.Runtime.CompilerServices;
using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Interpretation;

/// <summary>RFC 9669 §5.3 atomic operations on guest memory. One guest thread runs per invocation, so plain
/// read-modify-write is atomic as far as the program can observe.</summary>
internal static class Atomics
{
    public static void Apply(Op op, ref byte memory, ref ulong src, ref ulong r0)
    {
        if (op <= Op.AtomicCmpXchg32)
        {
            var old = Unsafe.ReadUnaligned<uint>(ref memory);
            var operand = (uint)src;
            uint result;
            switch (op)
            {
                case Op.AtomicAdd32 or Op.AtomicFetchAdd32: result = old + operand; break;
                case Op.AtomicOr32 or Op.AtomicFetchOr32: result = old | operand; break;
                case Op.AtomicAnd32 or Op.AtomicFetchAnd32: result = old & operand; break;
                case Op.AtomicXor32 or Op.AtomicFetchXor32: result = old ^ operand; break;
                case Op.AtomicXchg32: result = operand; break;
                default:
                    // cmpxchg: store src only if memory equals the low half of r0; r0 always gets the old value.
                    result = old == (uint)r0 ? operand : old;
                    r0 = old;
                    Unsafe.WriteUnaligned(ref memory, result);
                    return;
            }

            Unsafe.WriteUnaligned(ref memory, result);
            if (op is Op.AtomicFetchAdd32 or Op.AtomicFetchOr32 or Op.AtomicFetchAnd32 or Op.AtomicFetchXor32 or Op.AtomicXchg32)
            {
                src = old;
            }
        }
        else
        {
            var old = Unsafe.ReadUnaligned<ulong>(ref memory);
            var operand = src;
            ulong result;
            switch (op)
            {
                case Op.AtomicAdd64 or Op.AtomicFetchAdd64: result = old + operand; break;
                case Op.AtomicOr64 or Op.AtomicFetchOr64: result = old | operand; break;
                case Op.AtomicAnd64 or Op.AtomicFetchAnd64: result = old & operand; break;
                case Op.AtomicXor64 or Op.AtomicFetchXor64: result = old ^ operand; break;
                case Op.AtomicXchg64: result = operand; break;
                default:
                    result = old == r0 ? operand : old;
                    r0 = old;
                    Unsafe.WriteUnaligned(ref memory, result);
                    return;
            }

            Unsafe.WriteUnaligned(ref memory, result);
            if (op is Op.AtomicFetchAdd64 or Op.AtomicFetchOr64 or Op.AtomicFetchAnd64 or Op.AtomicFetchXor64 or Op.AtomicXchg64)
            {
                src = old;
            }
        }
    }
}
