using System.Runtime.InteropServices;

namespace Tos.Tbpf.Jit.Native;

/// <summary>The libc calls that map executable memory (Linux and macOS share these constants' meaning, not values;
/// the JIT runs on x86-64 Linux).</summary>
internal static partial class LibC
{
    public const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    public const int MapShared = 0x01, MapPrivate = 0x02, MapAnonymous = 0x20;
    public const uint MfdCloexec = 0x0001;
    public const int MadvHugePage = 14;   // Linux only
    public static readonly nint MapFailed = -1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);
}
