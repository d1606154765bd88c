using System.Runtime.InteropServices;

namespace Tos.Tbpf.Jit.Native;

/// <summary>The libc calls that map executable memory (Linux and macOS share these constants' meaning, not values;
/// the JIT runs on x86-64 Linux).</summary>
internal static partial class LibC
{
    public const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    public const int MapPrivate = 0x02, MapAnonymous = 0x20;
    public static readonly nint MapFailed = -1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint address, nuint length);
}
