using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace Tos.Tbpf.Fuzzing;

/// <summary>
/// The ELF fuzzer's in-flight record: the input one worker is checking right now, kept whole in a file mapped into
/// memory. As with <see cref="InFlightRecord"/>, the point is a crash: a JIT bug can kill the process (a signal, not an
/// exception), and the mutated object that did it exists nowhere else (the ELF fuzzer's inputs come from a random
/// stream, not from one seed each). A shared mapping outlives the process (the kernel keeps its pages and writes them
/// back), and recording is a copy into it, with no system call per input. Layout: the input's length as a
/// little-endian u64, then its bytes; a worker that ends normally deletes the file. <see cref="ReadLeftOver"/> turns a
/// file left behind back into the input.
/// </summary>
public sealed class InFlightInput : IDisposable
{
    private const int Header = 8;
    private const string Prefix = InFlightRecord.Prefix + InFlightRecord.ElfKind;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;

    private InFlightInput(string path, int capacity, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Path = path;
        Capacity = capacity;
        _map = map;
        _view = view;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The largest input the record holds whole.</summary>
    public int Capacity { get; }

    /// <summary>A record for worker <paramref name="job"/> of this process in <paramref name="folder"/> (created if
    /// needed) holding inputs of up to <paramref name="capacity"/> bytes.</summary>
    public static InFlightInput Open(string folder, int job, int capacity) => Open(folder, job, capacity, Environment.ProcessId);

    /// <summary>The same as if made by process <paramref name="processId"/> (the tests stand in for other sessions).</summary>
    internal static InFlightInput Open(string folder, int job, int capacity, int processId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Directory.CreateDirectory(folder);
        var path = System.IO.Path.Combine(folder, InFlightRecord.Name(InFlightRecord.ElfKind, processId, job));
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Create, null, Header + capacity, MemoryMappedFileAccess.ReadWrite);
        return new InFlightInput(path, capacity, map, map.CreateViewAccessor(0, Header + capacity));
    }

    /// <summary>Records that <paramref name="input"/> is being checked. An input beyond <see cref="Capacity"/> keeps its
    /// length and its first <see cref="Capacity"/> bytes (the reader says it was cut).</summary>
    public void Record(byte[] input)
    {
        var kept = Math.Min(input.Length, Capacity);
        _view.WriteArray(Header, input, 0, kept);
        _view.Write(0, (long)input.Length);
    }

    /// <summary>Whether <paramref name="path"/> names such a record: as a worker left it, or as a later session kept it
    /// (not an object cut out of one, which is a plain input).</summary>
    public static bool IsRecord(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        return (name.StartsWith(Prefix, StringComparison.Ordinal) || name.StartsWith(InFlightRecord.KeptPrefix + Prefix[1..], StringComparison.Ordinal))
            && !name.EndsWith(".o", StringComparison.Ordinal);
    }

    /// <summary>The input a record left behind (by a process that died while checking it), and whether it is whole;
    /// null when the file is not such a record.</summary>
    public static (byte[] Input, bool Whole)? ReadLeftOver(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[Header];
        if (stream.ReadAtLeast(header, Header, throwOnEndOfStream: false) < Header)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(header);
        var available = stream.Length - Header;
        if (length < 0 || available < 0)
        {
            return null;
        }

        var input = new byte[Math.Min(length, available)];
        stream.ReadExactly(input);
        return (input, input.Length == length);
    }

    /// <summary>The worker ended normally: nothing was in flight.</summary>
    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
        InFlightRecord.Remove(Path);
    }
}
