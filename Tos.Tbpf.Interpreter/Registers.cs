using System.Runtime.CompilerServices;

namespace Tos.Tbpf.Interpretation;

/// <summary>r0–r10, padded to 16 so that any 4-bit register field stays inside the array.</summary>
[InlineArray(16)]
internal struct Registers
{
    private ulong _element;
}

/// <summary>What a local call saves and <c>exit</c> restores.</summary>
internal struct Frame
{
    public ulong R6, R7, R8, R9, R10;
    public long ReturnPc;
}

/// <summary>One frame array per thread, reused by every run on it (a nested run on the same thread gets its own).</summary>
internal static class FramePool
{
    [ThreadStatic] private static Frame[]? t_frames;

    public static Frame[] Rent(int count)
    {
        var frames = t_frames;
        t_frames = null;
        return frames is not null && frames.Length >= count ? frames : new Frame[count];
    }

    public static void Return(Frame[] frames) => t_frames = frames;
}
