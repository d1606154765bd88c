using System.Runtime.CompilerServices;
using Tos.Tbpf.Execution;

namespace Tos.Tbpf.Memory;

/// <summary>
/// The guest address space of one invocation (DESIGN §3): regions indexed by <c>vaddr &gt;&gt; 32</c>, and the
/// overflow-checked translation that every load, store and syscall pointer goes through.
/// </summary>
public sealed class MemoryMap
{
    /// <summary>Bits of the in-region offset; the region index sits above them.</summary>
    public const int RegionShift = 32;

    /// <summary>Region indexes of the standard layout.</summary>
    public const int ProgramIndex = 1, StackIndex = 2, HeapIndex = 3, InputIndex = 4;

    /// <summary>The default and largest heap sizes.</summary>
    public const int DefaultHeapSize = 32 * 1024, MaxHeapSize = 256 * 1024;

    private readonly MemoryRegion?[] _regions;

    /// <summary>Maps the given regions; two regions may not share an index.</summary>
    public MemoryMap(IEnumerable<MemoryRegion> regions)
    {
        var list = regions.ToList();
        _regions = new MemoryRegion?[list.Count == 0 ? 1 : list.Max(r => r.Index) + 1];
        foreach (var region in list)
        {
            if (_regions[region.Index] is not null)
            {
                throw new ArgumentException($"two regions at index {region.Index}", nameof(regions));
            }

            _regions[region.Index] = region;
        }
    }

    /// <summary>The standard map of DESIGN §3: the program region (read only, so it maps the executable's own bytes
    /// without a copy: neither engine nor syscall can write it), a zeroed stack of <see cref="Profile.StackSize"/>
    /// bytes, a zeroed heap, and a copy of the input.</summary>
    public static MemoryMap Standard(Programs.Executable executable, ReadOnlySpan<byte> input, int heapSize = DefaultHeapSize)
    {
        var map = Standard(executable.ProgramRegion, input, executable.Profile, heapSize);
        map._regions[ProgramIndex]!.MappedFrom = executable.ProgramRegionStart;
        return map;
    }

    /// <summary>The standard map over a program region mapped from its start (see <see cref="Standard(Programs.Executable, ReadOnlySpan{byte}, int)"/>).</summary>
    public static MemoryMap Standard(byte[] programRegion, ReadOnlySpan<byte> input, Profile profile,
        int heapSize = DefaultHeapSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(heapSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(heapSize, MaxHeapSize);
        var stack = GC.AllocateArray<byte>(profile.StackSize, pinned: true);
        var heap = GC.AllocateArray<byte>(heapSize, pinned: true);
        return new MemoryMap(
        [
            new MemoryRegion("program", ProgramIndex, programRegion, programRegion.Length, writable: false, pinned: false),
            new MemoryRegion("stack", StackIndex, stack, stack.Length, writable: true, pinned: true) { GapShift = profile.StackGapShift },
            new MemoryRegion("heap", HeapIndex, heap, heap.Length, writable: true, pinned: true),
            new MemoryRegion("input", InputIndex, CopyPinned(input), input.Length, profile.InputWritable, pinned: true),
        ]);
    }

    /// <summary>The number of region slots (the highest index plus one); empty slots read as null.</summary>
    public int SlotCount => _regions.Length;

    /// <summary>The region at <paramref name="index"/>, or null.</summary>
    public MemoryRegion? this[int index] => (uint)index < (uint)_regions.Length ? _regions[index] : null;

    /// <summary>Every mapped region.</summary>
    public IEnumerable<MemoryRegion> Regions => _regions.OfType<MemoryRegion>();

    /// <summary>
    /// Finds <c>[vaddr, vaddr + length)</c> inside one region that allows <paramref name="kind"/>. The check
    /// cannot overflow: <c>length &lt;= region.Length &amp;&amp; offset &lt;= region.Length - length</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTranslate(ulong vaddr, ulong length, AccessKind kind, out byte[] data, out int offset) =>
        TryTranslate<RegionHoles.Checked>(vaddr, length, kind, out data, out offset);

    /// <summary>
    /// <see cref="TryTranslate(ulong, ulong, AccessKind, out byte[], out int)"/> for a caller that knows whether any region
    /// has holes (<see cref="HasHoles"/>): with <see cref="RegionHoles.None"/> the check for them is compiled away, so the
    /// interpreter's loop over an ordinary map is exactly as small as without holes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTranslate<THoles>(ulong vaddr, ulong length, AccessKind kind, out byte[] data, out int offset)
        where THoles : struct, RegionHoles.IPolicy
    {
        var index = vaddr >> RegionShift;
        if (index < (ulong)_regions.Length && _regions[index] is { } region
            && (kind == AccessKind.Load || region.Writable))
        {
            var inRegion = vaddr & 0xFFFF_FFFFUL;
            if (typeof(THoles) == typeof(RegionHoles.Checked) && region.HasHoles)
            {
                var backing = region.Backing(inRegion);
                inRegion = backing < 0 ? ulong.MaxValue : (ulong)backing;
            }

            var size = (ulong)region.Length;
            if (length <= size && inRegion <= size - length)
            {
                if (kind == AccessKind.Store)
                {
                    region.MarkWritten(inRegion + length);
                }

                data = region.Data;
                offset = (int)inRegion;
                return true;
            }
        }

        data = [];
        offset = 0;
        return false;
    }

    /// <summary>True when some region refuses offsets below its length (stack gaps, a program region mapped from above 0).</summary>
    public bool HasHoles
    {
        get
        {
            foreach (var region in _regions)
            {
                if (region is { HasHoles: true })
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Describes why <see cref="TryTranslate"/> refused an access.</summary>
    public AccessViolation Violation(ulong vaddr, ulong length, AccessKind kind)
    {
        var index = vaddr >> RegionShift;
        var region = index < (ulong)_regions.Length ? _regions[index] : null;
        var name = region is null ? "unmapped"
            : kind == AccessKind.Store && !region.Writable ? $"{region.Name}, read only"
            : region.MappedFrom != 0 && (vaddr & 0xFFFF_FFFFUL) < (ulong)region.MappedFrom ? $"{region.Name}, below its first section"
            : region.GapShift != 0 && region.Ungap(vaddr & 0xFFFF_FFFFUL) < 0 ? $"{region.Name}, a gap between frames"
            : $"{region.Name}, {region.Length} bytes";
        return new AccessViolation(vaddr, length, kind, name);
    }

    /// <summary>The guest bytes at <c>[vaddr, vaddr + length)</c>, for syscalls; a bad range throws
    /// <see cref="VmFaultException"/>, which the engine reports as an access violation at the call.</summary>
    public Span<byte> Slice(ulong vaddr, ulong length, AccessKind kind)
    {
        if (length == 0)
        {
            return [];
        }

        if (!TryTranslate(vaddr, length, kind, out var data, out var offset))
        {
            var violation = Violation(vaddr, length, kind);
            throw new VmFaultException(VmErrorKind.AccessViolation, violation.ToString(), violation);
        }

        return data.AsSpan(offset, (int)length);
    }

    private static byte[] CopyPinned(ReadOnlySpan<byte> bytes)
    {
        var copy = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(copy);
        return copy;
    }
}
