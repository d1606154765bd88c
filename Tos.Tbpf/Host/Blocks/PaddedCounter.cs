using System.Runtime.InteropServices;

namespace Tos.Tbpf.Host.Blocks;

/// <summary>
/// A 64-bit counter alone on its cache line (128 bytes covers adjacent-line prefetch). The block scheduler's indexes
/// are written by every worker for every transaction; side by side in one line, each write by one core would evict
/// the line from the other's cache for every read or write of any of them (false sharing).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine)]
internal struct PaddedCounter
{
    private const int CacheLine = 64;

    [FieldOffset(CacheLine)]
    public long Value;
}
