using System.Runtime.InteropServices;

namespace Tos.Tbpf.Jit.Native;

/// <summary>
/// Machine code in its own mapping: mapped read-write, written, padded with <c>int3</c>, then switched to
/// read-execute. It is never writable and executable at once. Unmapped when released.
/// </summary>
internal sealed class ExecutableMemory : SafeHandle
{
    private const byte Int3 = 0xcc;

    private ExecutableMemory(nint address, nuint length) : base(0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    /// <summary>The mapping's size in bytes (whole pages).</summary>
    public nuint Length { get; }

    /// <summary>The address of the first byte of code.</summary>
    public nint Address => handle;

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>Maps a copy of <paramref name="code"/> as read-execute memory.</summary>
    public static unsafe ExecutableMemory Create(ReadOnlySpan<byte> code)
    {
        var page = (nuint)Environment.SystemPageSize;
        var length = ((nuint)Math.Max(code.Length, 1) + page - 1) / page * page;
        var address = LibC.mmap(0, length, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        if (address == LibC.MapFailed)
        {
            throw new OutOfMemoryException($"mmap of {length} bytes for JIT code failed (errno {Marshal.GetLastPInvokeError()})");
        }

        var memory = new ExecutableMemory(address, length);
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
    protected override bool ReleaseHandle() => LibC.munmap(handle, Length) == 0;
}
