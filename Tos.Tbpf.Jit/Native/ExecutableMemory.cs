using System.Runtime.InteropServices;

namespace Tos.Tbpf.Jit.Native;

/// <summary>
/// Machine code, read-execute. Normally a block of the <see cref="CodeArena"/> (no system call); code too large for it
/// gets its own mapping: mapped read-write, written, padded with <c>int3</c>, then switched to read-execute, never
/// writable and executable at once. Released (back to the arena, or unmapped) when disposed.
/// </summary>
internal sealed class ExecutableMemory : SafeHandle
{
    private const byte Int3 = 0xcc;
    private readonly bool _inArena;

    private ExecutableMemory(nint address, nuint length, bool inArena) : base(0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
        _inArena = inArena;
    }

    /// <summary>The mapping's size in bytes (whole pages).</summary>
    public nuint Length { get; }

    /// <summary>The address of the first byte of code.</summary>
    public nint Address => handle;

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>Places a copy of <paramref name="code"/> in read-execute memory.</summary>
    public static ExecutableMemory Create(ReadOnlySpan<byte> code) =>
        CodeArena.Shared.TryPlace(code, out var address, out var length)
            ? new ExecutableMemory(address, length, inArena: true)
            : Map(code);

    /// <summary>Maps a copy of <paramref name="code"/> on its own.</summary>
    public static unsafe ExecutableMemory Map(ReadOnlySpan<byte> code)
    {
        var page = (nuint)Environment.SystemPageSize;
        var length = ((nuint)Math.Max(code.Length, 1) + page - 1) / page * page;
        var address = length >= HugePage && OperatingSystem.IsLinux() ? MapHugePageAligned(length) : MapPages(length);
        var memory = new ExecutableMemory(address, length, inArena: false);
        var target = new Span<byte>((void*)address, (int)length);
        code.CopyTo(target);
        target[code.Length..].Fill(Int3);
        if (LibC.mprotect(address, length, LibC.ProtRead | LibC.ProtExec) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            memory.Dispose();
            throw new InvalidOperationException($"mprotect to read-execute failed (errno {errno})");
        }

        return memory;
    }

    // The size of a transparent huge page on x86-64.
    private const nuint HugePage = 2 * 1024 * 1024;

    private static nint MapPages(nuint length)
    {
        var address = LibC.mmap(0, length, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        return address != LibC.MapFailed
            ? address
            : throw new OutOfMemoryException($"mmap of {length} bytes for JIT code failed (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>
    /// Code of megabytes (a large program of calls) on 2 MiB-aligned memory the kernel is asked to back with
    /// transparent huge pages: writing 27 MiB of fresh 4 KiB pages took ~6 800 page faults and 15 ms, most of a large
    /// compile. The mapping is over-reserved by one huge page and trimmed to an aligned start; the advice is only a hint
    /// (without huge pages the code is on ordinary pages, as before).
    /// </summary>
    private static nint MapHugePageAligned(nuint length)
    {
        var reserved = MapPages(length + HugePage);
        var aligned = (nint)(((nuint)reserved + HugePage - 1) & ~(HugePage - 1));
        var head = (nuint)(aligned - reserved);
        if (head > 0)
        {
            LibC.munmap(reserved, head);
        }

        LibC.munmap(aligned + (nint)length, HugePage - head);
        LibC.madvise(aligned, length, LibC.MadvHugePage);
        return aligned;
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        if (!_inArena)
        {
            return LibC.munmap(handle, Length) == 0;
        }

        CodeArena.Shared.Free(handle, Length);
        return true;
    }
}
