using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Tos.Tbpf.Fuzzing;

/// <summary>
/// What one fuzzing worker is checking right now, in a small file the operating system holds even if the process dies:
/// a JIT bug can crash the whole process (a wild host access is a signal, not an exception), and then this file, left
/// behind, names the profile and program seed that did it. Each record is one positioned write (no buffering, no flush
/// needed: the kernel has the bytes as soon as the call returns); a worker that ends normally deletes its file.
/// </summary>
public sealed class InFlightRecord : IDisposable
{
    /// <summary>How every in-flight file's name starts (a dot: it is no finding while its worker lives).</summary>
    internal const string Prefix = ".inflight-";

    /// <summary>The kind in the name of an ELF session's records (<see cref="InFlightInput"/>).</summary>
    internal const string ElfKind = "elf-";

    /// <summary>How a left-over record is renamed by the next session (see <see cref="KeepLeftOvers"/>).</summary>
    internal const string KeptPrefix = "died-";

    private const int Width = 96;
    private readonly SafeFileHandle _file;
    private readonly byte[] _line = new byte[Width];

    private InFlightRecord(string path, SafeFileHandle file)
    {
        Path = path;
        _file = file;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>A record for worker <paramref name="job"/> of this process in <paramref name="folder"/> (created if
    /// needed).</summary>
    public static InFlightRecord Open(string folder, int job) => Open(folder, job, Environment.ProcessId);

    /// <summary>The same as if made by process <paramref name="processId"/> (the tests stand in for other sessions).</summary>
    internal static InFlightRecord Open(string folder, int job, int processId)
    {
        Directory.CreateDirectory(folder);
        var path = System.IO.Path.Combine(folder, Name(string.Empty, processId, job));
        return new InFlightRecord(path, File.OpenHandle(path, FileMode.Create, FileAccess.Write));
    }

    /// <summary>A record's file name: <c>.inflight-</c>, a kind (empty, or <c>elf-</c>), the process, the worker. The
    /// process is in the name because sessions may share a findings folder: each writes only its own records, and a new
    /// session keeps only those whose process is gone (<see cref="KeepLeftOvers"/>).</summary>
    internal static string Name(string kind, int processId, int job) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Prefix}{kind}{processId}-{job}");

    /// <summary>Records that <paramref name="seed"/> of <paramref name="profile"/> is being checked.</summary>
    public void Record(string profile, int seed)
    {
        _line.AsSpan().Fill((byte)' ');
        Encoding.ASCII.GetBytes($"profile {profile}, program seed {seed}", _line);
        _line[^1] = (byte)'\n';
        RandomAccess.Write(_file, _line, 0);
    }

    /// <summary>The worker ended normally: nothing was in flight. A findings folder left empty goes too.</summary>
    public void Dispose()
    {
        _file.Dispose();
        Remove(Path);
    }

    /// <summary>
    /// Renames the in-flight records that a session which died left in <paramref name="folder"/> (<c>.inflight-*</c>) to
    /// <c>died-inflight-…-STAMP</c>, so that they stand out as the clue to a crash and no later session's records are
    /// confused with them; returns the new paths. <c>tbpf fuzz --replay</c> reads them as before. The records of a
    /// session still running (its process is alive) are left alone: several sessions may share one folder.
    /// </summary>
    public static IReadOnlyList<string> KeepLeftOvers(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var kept = new List<string>();
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        // Not the objects .ci/run cuts out of ELF records (.inflight-elf-N.o): they are plain inputs, not records.
        foreach (var path in Directory.EnumerateFiles(folder, Prefix + "*").Where(p => !p.EndsWith(".o", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal).ToList())
        {
            if (ProcessOf(System.IO.Path.GetFileName(path)) is { } owner && IsRunningSession(owner))
            {
                continue;
            }

            var name = $"{KeptPrefix}{System.IO.Path.GetFileName(path)[1..]}-{stamp}";
            var target = System.IO.Path.Combine(folder, name);
            for (var again = 2; File.Exists(target); again++)
            {
                target = System.IO.Path.Combine(folder, $"{name}-{again}");
            }

            File.Move(path, target);
            kept.Add(target);
        }

        return kept;
    }

    /// <summary>The process a record's name gives (<see cref="Name"/>); null for a name without one.</summary>
    internal static int? ProcessOf(string name)
    {
        var rest = name.AsSpan(Prefix.Length);
        if (rest.StartsWith(ElfKind))
        {
            rest = rest[ElfKind.Length..];
        }

        var dash = rest.IndexOf('-');
        return dash > 0 && int.TryParse(rest[..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? id
            : null;
    }

    // Another process that is still running. This process has no records yet when it looks (a dead session's id reused
    // by this one is a leftover too).
    private static bool IsRunningSession(int processId)
    {
        if (processId == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Deletes a record file, and its folder when that is left empty.</summary>
    internal static void Remove(string path)
    {
        File.Delete(path);
        try
        {
            var folder = System.IO.Path.GetDirectoryName(path)!;
            if (!Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (IOException)
        {
            // Another worker's record, or a finding, arrived meanwhile: the folder stays.
        }
    }
}
