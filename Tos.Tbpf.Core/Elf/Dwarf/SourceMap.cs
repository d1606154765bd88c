namespace Tos.Tbpf.Elf.Dwarf;

/// <summary>Where an instruction came from: a source file and line (null without a line table), and the function around
/// it (null when no symbol covers it).</summary>
public sealed record SourceLocation(string? File, int Line, string? Function)
{
    /// <summary><c>file:line (function)</c>, <c>file:line</c> or <c>in function</c>.</summary>
    public override string ToString() =>
        File is null ? $"in {Function}" : Function is null ? $"{File}:{Line}" : $"{File}:{Line} ({Function})";
}

/// <summary>
/// pc → source line, from an object's DWARF line table (<c>.debug_line</c>, what <c>clang -g</c> writes), and pc →
/// function from its symbols. Built once at load; <see cref="Empty"/> when the object has no line table or a
/// malformed one (debug information never makes a load fail).
/// </summary>
public sealed class SourceMap
{
    private readonly long[] _pcs;
    private readonly int[] _files, _lines;
    private readonly bool[] _ends;
    private readonly string[] _fileNames;
    private readonly long[] _functionPcs;
    private readonly string[] _functionNames;

    /// <summary>A map with no lines and no functions.</summary>
    public static SourceMap Empty { get; } = new([], [], new Dictionary<long, string>());

    internal SourceMap(IReadOnlyList<LineRow> rows, string[] fileNames, IReadOnlyDictionary<long, string> functions)
    {
        // Rows in pc order; a row that ends a sequence marks where the one before stops applying.
        var sorted = rows.OrderBy(r => r.Pc).ThenBy(r => r.EndSequence ? 0 : 1).ToArray();
        _pcs = sorted.Select(r => r.Pc).ToArray();
        _files = sorted.Select(r => r.File).ToArray();
        _lines = sorted.Select(r => r.Line).ToArray();
        _ends = sorted.Select(r => r.EndSequence).ToArray();
        _fileNames = fileNames;
        var orderedFunctions = functions.OrderBy(f => f.Key).ToArray();
        _functionPcs = orderedFunctions.Select(f => f.Key).ToArray();
        _functionNames = orderedFunctions.Select(f => f.Value).ToArray();
    }

    /// <summary>Whether any pc has a source line.</summary>
    public bool HasLines => _pcs.Length > 0;

    /// <summary>The source of <paramref name="pc"/>: its line when the table covers it, else just its function; null
    /// when neither is known.</summary>
    public SourceLocation? Find(long pc)
    {
        var function = FunctionAt(pc);
        var at = Array.BinarySearch(_pcs, pc);
        if (at < 0)
        {
            at = ~at - 1;
        }
        else
        {
            // Several rows at one pc: the last one that is not an end describes it.
            while (at + 1 < _pcs.Length && _pcs[at + 1] == pc)
            {
                at++;
            }
        }

        if (at < 0 || _ends[at] || _lines[at] <= 0)
        {
            return function is null ? null : new SourceLocation(null, 0, function);
        }

        var file = (uint)_files[at] < (uint)_fileNames.Length ? _fileNames[_files[at]] : "?";
        return new SourceLocation(file, _lines[at], function);
    }

    private string? FunctionAt(long pc)
    {
        var at = Array.BinarySearch(_functionPcs, pc);
        at = at >= 0 ? at : ~at - 1;
        return at >= 0 ? _functionNames[at] : null;
    }
}

/// <summary>One row of a line table, its address already turned into a pc.</summary>
internal readonly record struct LineRow(long Pc, int File, int Line, bool EndSequence);
