namespace Tos.Tbpf.Memory;

/// <summary>One mapped region of the guest address space (DESIGN §3): its index is the top 32 bits of
/// every address inside it, so it starts at <c>index &lt;&lt; 32</c>. The region is the first <see cref="Length"/>
/// bytes of its backing array; a pooled region reuses a larger array across invocations.</summary>
public sealed class MemoryRegion
{
    /// <summary>Maps all of <paramref name="data"/> (owned by the region from now on) as region <paramref name="index"/>.</summary>
    public MemoryRegion(string name, int index, byte[] data, bool writable)
        : this(name, index, data, data.Length, writable, pinned: false)
    {
    }

    internal MemoryRegion(string name, int index, byte[] data, int length, bool writable, bool pinned)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        Name = name;
        Index = index;
        Rebind(data, length, pinned, writable);
    }

    /// <summary>A short name for messages: <c>program</c>, <c>stack</c>, <c>heap</c>, <c>input</c>.</summary>
    public string Name { get; }

    /// <summary>The top 32 bits of the region's addresses.</summary>
    public int Index { get; }

    /// <summary>The first guest address of the region.</summary>
    public ulong Start => (ulong)Index << MemoryMap.RegionShift;

    /// <summary>The backing array; only its first <see cref="Length"/> bytes are mapped.</summary>
    public byte[] Data { get; private set; } = [];

    /// <summary>The mapped bytes.</summary>
    public Span<byte> Bytes => Data.AsSpan(0, Length);

    /// <summary>Whether stores may write here.</summary>
    public bool Writable { get; private set; }

    /// <summary>The region's size in bytes.</summary>
    public int Length { get; private set; }

    /// <summary>0 for a contiguous region. Otherwise the region is spread over twice its length in the address space: each
    /// <c>2^GapShift</c> bytes of it are followed by an unmapped gap as long (sbpf V0's stack frames), so an in-region
    /// offset with bit <c>GapShift</c> set is in a gap, and any other maps to <c>(offset + (offset mod 2^GapShift)) / 2</c>.</summary>
    public int GapShift
    {
        get;
        internal set
        {
            field = value;
            HasHoles = value != 0 || MappedFrom != 0;
        }
    }

    /// <summary>The first mapped offset: <c>[0, MappedFrom)</c> of the region is refused (a V0 Solana program's read-only
    /// data starts at its first section, not at the region's start). 0 for every other region.</summary>
    public int MappedFrom
    {
        get;
        internal set
        {
            field = value;
            HasHoles = value != 0 || GapShift != 0;
        }
    }

    /// <summary>True when some in-region offsets below the length are refused (gaps, or a start above 0). A field of its
    /// own, so that the translation's fast path tests one flag.</summary>
    public bool HasHoles { get; private set; }

    /// <summary>The backing offset of an in-region <paramref name="offset"/>, or -1 when it is in a hole.</summary>
    public long Backing(ulong offset) =>
        offset < (ulong)MappedFrom ? -1 : GapShift != 0 ? Ungap(offset) : (long)offset;

    /// <summary>The backing offset of an in-region <paramref name="offset"/>, or -1 when it is in a gap.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public long Ungap(ulong offset)
    {
        if (((offset >> GapShift) & 1) != 0)
        {
            return -1;
        }

        // Bit GapShift is clear: the frame number sits above it, so halving the offset with its low bits counted twice
        // drops the gap bit and keeps the low bits.
        return (long)((offset + (offset & ((1UL << GapShift) - 1))) >> 1);
    }

    /// <summary>True when <see cref="Data"/> lives on the pinned object heap, so the JIT may use its address
    /// without pinning it for each run.</summary>
    public bool IsPinned { get; private set; }

    /// <summary>Every byte at or past this offset is still as the region was mapped (zero, for a pooled stack or
    /// heap): stores and syscalls that write move it up. It is what a pool must clear before reuse.</summary>
    public int WrittenEnd { get; private set; }

    /// <summary>Records that <c>[0, end)</c> may have been written (never moves down; clamped to the region).</summary>
    public void MarkWritten(ulong end)
    {
        if (end > (ulong)WrittenEnd)
        {
            WrittenEnd = end >= (ulong)Length ? Length : (int)end;
        }
    }

    /// <summary>Points a pooled region at new contents; the caller guarantees <c>[0, length)</c> of
    /// <paramref name="data"/> holds what the run must see.</summary>
    internal void Rebind(byte[] data, int length, bool pinned, bool writable)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, data.Length);
        Data = data;
        Writable = writable;
        Length = length;
        IsPinned = pinned;
        WrittenEnd = 0;
    }

    /// <summary>Zeroes what runs wrote and forgets it, so the region reads as fresh zeroed memory again.</summary>
    internal void ClearWritten()
    {
        Data.AsSpan(0, WrittenEnd).Clear();
        WrittenEnd = 0;
    }
}
