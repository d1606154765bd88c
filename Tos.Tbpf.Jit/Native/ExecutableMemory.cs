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
        var address = LibC.mmap(0, length, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        if (address == LibC.MapFailed)
        {
            throw new OutOfMemoryException($"mmap of {length} bytes for JIT code failed (errno {Marshal.GetLastPInvokeError()})");
        }

        var memory = new ExecutableMemory(address, length, inArena: false);
        var target = new Span<byte>((void*)address, (int)length);
        target.Fill(Int3);
        code.CopyTo(target);
        if (LibC.mprotect(address, length, LibC.ProtRead | LibC.ProtExec) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            memory.Dispose();
            throw new InvalidOperationException($"mprotect to read-execute failed (errno {errno})");
        }

        return memory;
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
