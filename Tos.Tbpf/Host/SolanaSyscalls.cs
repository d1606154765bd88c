using System.Buffers.Binary;
using System.Text;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Host;

/// <summary>
/// The syscalls a plain Solana program calls, for the sbpf profiles (docs/solana.md): logging, panics, the memory
/// operations, the heap's bump allocator and return data, with the compute costs of Solana's default compute budget.
/// Like the TOS syscalls they charge before they act and reach guest memory only through checked translation; the
/// invocation's logs receive Solana's log lines (<c>Program log: …</c>).
/// </summary>
public static class SolanaSyscalls
{
    /// <summary>Solana's default compute costs (its <c>ComputeBudget</c>).</summary>
#pragma warning disable CS1591
    public static class Cost
    {
        public const ulong SyscallBase = 100, Log64 = 100, LogPubkey = 100, MemOpBase = 10, BytesPerUnit = 250;
    }
#pragma warning restore CS1591

    /// <summary>The largest return data (Solana's <c>MAX_RETURN_DATA</c>).</summary>
    public const int MaxReturnData = 1024;

    /// <summary>The alignment of <c>sol_alloc_free_</c>'s allocations (Solana's <c>BPF_ALIGN_OF_U128</c>).</summary>
    public const ulong AllocationAlignment = 8;

    /// <summary>A registry with every Solana syscall TBPF provides.</summary>
    public static SyscallRegistry Registry() => new SyscallRegistry()
        .Register("sol_log_", (c, message, length, _, _, _) =>
        {
            c.Charge(Math.Max(Cost.SyscallBase, length));
            var text = Utf8(c.Read(message, length));
            Log(c, $"Program log: {text}");
            return 0;
        })
        .Register("sol_log_64_", (c, a, b, d, e, f) =>
        {
            c.Charge(Cost.Log64);
            Log(c, $"Program log: 0x{a:x}, 0x{b:x}, 0x{d:x}, 0x{e:x}, 0x{f:x}");
            return 0;
        })
        .Register("sol_log_compute_units_", (c, _, _, _, _, _) =>
        {
            c.Charge(Cost.SyscallBase);
            Log(c, $"Program consumption: {c.Remaining} units remaining");
            return 0;
        })
        .Register("sol_log_pubkey", (c, key, _, _, _, _) =>
        {
            c.Charge(Cost.LogPubkey);
            Log(c, $"Program log: {Base58.Encode(c.Read(key, 32))}");
            return 0;
        })
        .Register("sol_panic_", (c, file, length, line, column, _) =>
        {
            c.Charge(length);
            throw new InvalidOperationException($"SBF program panicked in {Utf8(c.Read(file, length))} at {line}:{column}");
        })
        .Register("abort", (_, _, _, _, _, _) => throw new InvalidOperationException("SBF program panicked"))
        .Register("sol_memcpy_", (c, destination, source, length, _, _) =>
        {
            ChargeMemoryOperation(c, length);
            if (!DoNotOverlap(source, length, destination, length))
            {
                throw new InvalidOperationException("overlapping copy");
            }

            c.Read(source, length).CopyTo(c.Write(destination, length));
            return 0;
        })
        .Register("sol_memmove_", (c, destination, source, length, _, _) =>
        {
            ChargeMemoryOperation(c, length);
            // Span.CopyTo copies as memmove does when the two overlap.
            c.Read(source, length).CopyTo(c.Write(destination, length));
            return 0;
        })
        .Register("sol_memset_", (c, destination, value, length, _, _) =>
        {
            ChargeMemoryOperation(c, length);
            c.Write(destination, length).Fill((byte)value);
            return 0;
        })
        .Register("sol_memcmp_", (c, first, second, length, result, _) =>
        {
            ChargeMemoryOperation(c, length);
            var a = c.Read(first, length);
            var b = c.Read(second, length);
            var difference = 0;
            for (var i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    difference = a[i] - b[i];
                    break;
                }
            }

            BinaryPrimitives.WriteInt32LittleEndian(WriteAligned(c, result, 4), difference);
            return 0;
        })
        .Register("sol_alloc_free_", (c, size, free, _, _, _) =>
        {
            // No cost, as in Solana; freeing is a no-op and returns 0, and so does an allocation that does not fit.
            if (free != 0)
            {
                return 0;
            }

            var state = Of(c).Solana;
            var heap = (ulong)(c.Memory[MemoryMap.HeapIndex]?.Length ?? 0);
            var start = (state.HeapUsed + AllocationAlignment - 1) & ~(AllocationAlignment - 1);
            if (start > heap || size > heap - start)
            {
                return 0;
            }

            state.HeapUsed = start + size;
            return ((ulong)MemoryMap.HeapIndex << MemoryMap.RegionShift) + start;
        })
        .Register("sol_set_return_data", (c, data, length, _, _, _) =>
        {
            c.Charge(length / Cost.BytesPerUnit + Cost.SyscallBase);
            if (length > MaxReturnData)
            {
                throw new InvalidOperationException($"return data of {length} bytes is above the limit of {MaxReturnData}");
            }

            Of(c).Solana.ReturnData = c.Read(data, length).ToArray();
            return 0;
        })
        .Register("sol_get_return_data", (c, output, length, programId, _, _) =>
        {
            c.Charge(Cost.SyscallBase);
            var invocation = Of(c);
            var data = invocation.Solana.ReturnData;
            var copied = Math.Min(length, (ulong)data.Length);
            if (copied != 0)
            {
                c.Charge((copied + 32) / Cost.BytesPerUnit);
                if (!DoNotOverlap(output, copied, programId, 32))
                {
                    throw new InvalidOperationException("overlapping copy");
                }

                data.AsSpan(0, (int)copied).CopyTo(c.Write(output, copied));
                invocation.Contract.ToBytes().CopyTo(c.Write(programId, 32));
            }

            return (ulong)data.Length;
        });

    private static void ChargeMemoryOperation(SyscallContext c, ulong length) =>
        c.Charge(Math.Max(Cost.MemOpBase, length / Cost.BytesPerUnit));

    // Solana's is_nonoverlapping: [a, a + aLength) and [b, b + bLength) share no byte, measured from the lower start.
    private static bool DoNotOverlap(ulong a, ulong aLength, ulong b, ulong bLength) => a > b ? a - b >= bLength : b - a >= aLength;

    private static Span<byte> WriteAligned(SyscallContext c, ulong address, ulong alignment) =>
        address % alignment == 0
            ? c.Write(address, alignment)
            : throw new InvalidOperationException($"unaligned pointer 0x{address:x}: {alignment}-byte alignment needed");

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidOperationException("invalid UTF-8 string");
        }
    }

    private static void Log(SyscallContext c, string line) => Of(c).Logs.Add(Encoding.UTF8.GetBytes(line));

    private static Invocation Of(SyscallContext c) =>
        c.HostState as Invocation ?? throw new InvalidOperationException("Solana syscalls need an Invocation as the run's host state");
}
