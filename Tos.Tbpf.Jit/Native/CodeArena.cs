using System.Runtime.InteropServices;

namespace Tos.Tbpf.Jit.Native;

/// <summary>
/// Where compiled code lives without a system call per program: chunks of memory each mapped twice from one memfd,
/// once read-write (where the compiler writes) and once read-execute (where the code runs). No mapping is ever both
/// writable and executable; mapping, protecting and unmapping per program cost more than compiling a small one. Space
/// is handed out in whole pages, first fit from a roving hint, under one lock; a freed block is filled with
/// <c>int3</c> before it can be handed out again. Programs larger than a quarter chunk, or any program when the host
/// cannot double-map (no memfd), get a mapping of their own (<see cref="ExecutableMemory"/>).
/// </summary>
internal sealed class CodeArena
{
    private const byte Int3 = 0xcc;
    private const int ChunkPages = 16 * 1024;   // 64 MiB with 4 KiB pages
    private const int MaxChunks = 16;           // 1 GiB of arena at most; beyond it programs map their own

    private readonly Lock _gate = new();
    private readonly List<Chunk> _chunks = [];
    private readonly nuint _page = (nuint)Environment.SystemPageSize;
    private bool _unavailable;

    /// <summary>A new arena (the process uses <see cref="Shared"/>; tests make their own to count its pages).</summary>
    internal CodeArena()
    {
    }

    /// <summary>The process's arena.</summary>
    public static CodeArena Shared { get; } = new();

    /// <summary>Pages currently handed out (for tests: every block is returned).</summary>
    public long PagesInUse
    {
        get
        {
            lock (_gate)
            {
                return _chunks.Sum(c => (long)c.PagesInUse);
            }
        }
    }

    /// <summary>The largest code the arena takes; larger code gets its own mapping.</summary>
    public nuint MaxBlock => (nuint)(ChunkPages / 4) * _page;

    /// <summary>Copies <paramref name="code"/> into the arena, padded with <c>int3</c> to whole pages; false when the
    /// arena cannot hold it (too large, arena full, or no double mapping on this host).</summary>
    public unsafe bool TryPlace(ReadOnlySpan<byte> code, out nint executable, out nuint length)
    {
        executable = 0;
        length = ((nuint)Math.Max(code.Length, 1) + _page - 1) / _page * _page;
        if (length > MaxBlock)
        {
            return false;
        }

        var pages = (int)(length / _page);
        lock (_gate)
        {
            if (_unavailable)
            {
                return false;
            }

            foreach (var chunk in _chunks)
            {
                if (chunk.TryTake(pages, out var first))
                {
                    executable = Write(chunk, first, code, length);
                    return true;
                }
            }

            if (_chunks.Count >= MaxChunks || Chunk.TryCreate(_page) is not { } fresh)
            {
                _unavailable |= _chunks.Count == 0;
                return false;
            }

            _chunks.Add(fresh);
            fresh.TryTake(pages, out var start);
            executable = Write(fresh, start, code, length);
            return true;
        }
    }

    /// <summary>Returns a block: it is filled with <c>int3</c> and its pages become free.</summary>
    public unsafe void Free(nint executable, nuint length)
    {
        lock (_gate)
        {
            var chunk = ChunkOf(executable);
            var offset = (nuint)(executable - chunk.Executable);
            new Span<byte>((void*)(chunk.Writable + (nint)offset), (int)length).Fill(Int3);
            chunk.Give((int)(offset / _page), (int)(length / _page));
        }
    }

    // A loop, not LINQ: a closure per freed program was most of what disposing a small one allocated.
    private Chunk ChunkOf(nint executable)
    {
        foreach (var chunk in _chunks)
        {
            if (chunk.Contains(executable, _page))
            {
                return chunk;
            }
        }

        throw new InvalidOperationException($"0x{executable:x} is in no chunk of the code arena");
    }

    private unsafe nint Write(Chunk chunk, int firstPage, ReadOnlySpan<byte> code, nuint length)
    {
        var offset = (nint)((nuint)firstPage * _page);
        var target = new Span<byte>((void*)(chunk.Writable + offset), (int)length);
        code.CopyTo(target);
        target[code.Length..].Fill(Int3);
        return chunk.Executable + offset;
    }

    /// <summary>One double-mapped chunk and which of its pages are in use (a bit per page).</summary>
    private sealed class Chunk
    {
        private readonly ulong[] _used = new ulong[ChunkPages / 64];
        private int _hint;

        private Chunk(nint writable, nint executable)
        {
            Writable = writable;
            Executable = executable;
        }

        public nint Writable { get; }
        public nint Executable { get; }
        public int PagesInUse { get; private set; }

        public static unsafe Chunk? TryCreate(nuint page)
        {
            var bytes = (nuint)ChunkPages * page;
            int fd;
            try
            {
                fd = LibC.memfd_create("tbpf-jit", LibC.MfdCloexec);
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }

            if (fd < 0)
            {
                return null;
            }

            try
            {
                if (LibC.ftruncate(fd, (long)bytes) != 0)
                {
                    return null;
                }

                var writable = LibC.mmap(0, bytes, LibC.ProtRead | LibC.ProtWrite, LibC.MapShared, fd, 0);
                if (writable == LibC.MapFailed)
                {
                    return null;
                }

                var executable = LibC.mmap(0, bytes, LibC.ProtRead | LibC.ProtExec, LibC.MapShared, fd, 0);
                if (executable == LibC.MapFailed)
                {
                    LibC.munmap(writable, bytes);
                    return null;
                }

                // A fresh chunk holds zeros, which decode as add [rax], al: make every unused byte a trap.
                new Span<byte>((void*)writable, (int)bytes).Fill(Int3);
                return new Chunk(writable, executable);
            }
            finally
            {
                // The two mappings keep the memory; the descriptor is no longer needed.
                LibC.close(fd);
            }
        }

        public bool Contains(nint executable, nuint page) =>
            executable >= Executable && executable < Executable + (nint)((nuint)ChunkPages * page);

        /// <summary>Marks <paramref name="pages"/> consecutive free pages used, first fit from the hint.</summary>
        public bool TryTake(int pages, out int first)
        {
            for (var pass = 0; pass < 2; pass++)
            {
                var start = pass == 0 ? _hint : 0;
                var end = pass == 0 ? ChunkPages : Math.Min(_hint + pages, ChunkPages);
                var run = 0;
                for (var page = start; page < end; page++)
                {
                    run = IsUsed(page) ? 0 : run + 1;
                    if (run == pages)
                    {
                        first = page - pages + 1;
                        SetRange(first, pages, used: true);
                        PagesInUse += pages;
                        _hint = first + pages;
                        return true;
                    }
                }
            }

            first = -1;
            return false;
        }

        public void Give(int first, int pages)
        {
            SetRange(first, pages, used: false);
            PagesInUse -= pages;
            _hint = Math.Min(_hint, first);
        }

        private bool IsUsed(int page) => (_used[page >> 6] & 1UL << (page & 63)) != 0;

        private void SetRange(int first, int pages, bool used)
        {
            for (var page = first; page < first + pages; page++)
            {
                if (used)
                {
                    _used[page >> 6] |= 1UL << (page & 63);
                }
                else
                {
                    _used[page >> 6] &= ~(1UL << (page & 63));
                }
            }
        }
    }
}
