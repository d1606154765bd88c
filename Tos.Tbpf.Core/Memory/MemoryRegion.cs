namespace Tos.Tbpf.Memory;

/// <summary>One mapped region of the guest address space (DESIGN §3): its index is the top 32 bits of
/// every address inside it, so it starts at <c>index &lt;&lt; 32</c>.</summary>
public sealed class MemoryRegion
{
    /// <summary>Maps <paramref name="data"/> (owned by the region from now on) as region <paramref name="index"/>.</summary>
    public MemoryRegion(string name, int index, byte[] data, bool writable)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        Name = name;
        Index = index;
        Data = data;
        Writable = writable;
    }

    /// <summary>A short name for messages: <c>program</c>, <c>stack</c>, <c>heap</c>, <c>input</c>.</summary>
    public string Name { get; }

    /// <summary>The top 32 bits of the region's addresses.</summary>
    public int Index { get; }

    /// <summary>The first guest address of the region.</summary>
    public ulong Start => (ulong)Index << MemoryMap.RegionShift;

    /// <summary>The region's bytes.</summary>
    public byte[] Data { get; }

    /// <summary>Whether stores may write here.</summary>
    public bool Writable { get; }

    /// <summary>The region's size in bytes.</summary>
    public int Length => Data.Length;
}
