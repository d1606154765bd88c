namespace Tos.Tbpf.Memory;

/// <summary>Compile-time choices for <see cref="MemoryMap.TryTranslate{THoles}"/>: whether regions may have holes.</summary>
public static class RegionHoles
{
    /// <summary>A policy; the struct's type is the choice.</summary>
    public interface IPolicy;

    /// <summary>No region has holes: the check is left out.</summary>
    public readonly struct None : IPolicy;

    /// <summary>Regions may have holes: each access checks its region's.</summary>
    public readonly struct Checked : IPolicy;
}
