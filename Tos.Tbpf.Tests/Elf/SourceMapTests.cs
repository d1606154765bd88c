using System.Text.RegularExpressions;
using NUnit.Framework;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Host;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Elf;

/// <summary>
/// pc → file:line (function) from DWARF line tables: checked against the C source itself and against
/// llvm-dwarfdump-19's reading of the same table; absent or damaged tables never fail a load.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class SourceMapTests
{
    private static string DebugObject => Path.Combine(Contracts.OutFolder, "debug", "average.o");

    private static string DebugSource => Path.Combine(SharedData.RepositoryRoot, "native-contracts", "debug", "average.c");

    [Test]
    public void The_division_maps_to_its_line_in_the_c_source()
    {
        var executable = ElfLoader.Load(File.ReadAllBytes(DebugObject), Profile.Tbpf, TosSyscalls.Registry());
        var division = Array.FindIndex(executable.Instructions, i => i.Op == Op.Div64Reg);
        Assert.That(division, Is.GreaterThanOrEqualTo(0), "the -O0 build divides with div64");
        // The line is found in the source text, not in the table.
        var line = Array.FindIndex(File.ReadAllLines(DebugSource), l => l.Contains("return sum / count;")) + 1;
        var location = executable.SourceMap.Find(division);
        Assert.That(location, Is.EqualTo(new Tos.Tbpf.Elf.Dwarf.SourceLocation("debug/average.c", line, "average")));
        Assert.That(executable.SourceMap.Find(executable.EntryPc)!.Function, Is.EqualTo("entrypoint"));
    }

    [Test]
    public void Every_row_agrees_with_llvm_dwarfdump()
    {
        var executable = ElfLoader.Load(File.ReadAllBytes(DebugObject), Profile.Tbpf, TosSyscalls.Registry());
        var rows = DwarfdumpRows(DebugObject);
        Assert.That(rows, Has.Count.GreaterThan(10));
        // At each address the last row that does not end a sequence is the one that describes it.
        foreach (var group in rows.Where(r => !r.End).GroupBy(r => r.Address))
        {
            var expected = group.Last();
            var found = executable.SourceMap.Find((long)(group.Key / 8));
            Assert.That(found?.Line, Is.EqualTo(expected.Line), $"address 0x{group.Key:x}");
        }
    }

    [Test]
    public void An_object_without_debug_information_still_names_functions()
    {
        var executable = Contracts.Load("v3-O2", "dispatch");
        Assert.That(executable.SourceMap.HasLines, Is.False);
        Assert.That(executable.SourceMap.Find(executable.EntryPc), Is.EqualTo(new Tos.Tbpf.Elf.Dwarf.SourceLocation(null, 0, "entrypoint")));
    }

    [Test]
    public void Damaged_line_tables_never_fail_a_load()
    {
        var original = File.ReadAllBytes(DebugObject);
        var (offset, size) = SectionExtent(original, ".debug_line");
        var random = new Random(20261125);
        var mapped = 0;
        for (var round = 0; round < 3000; round++)
        {
            var mutant = (byte[])original.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                mutant[offset + random.Next(size)] = (byte)random.Next(256);
            }

            // The rest of the object is intact, so it loads; the map may lose its lines, never the load.
            var executable = ElfLoader.Load(mutant, Profile.Tbpf, TosSyscalls.Registry());
            for (var pc = 0; pc < executable.Instructions.Length; pc++)
            {
                _ = executable.SourceMap.Find(pc);
            }

            mapped += executable.SourceMap.HasLines ? 1 : 0;
        }

        Assert.That(mapped, Is.GreaterThan(0), "some mutants keep a usable table");
    }

    [Test]
    public void Run_and_disasm_show_the_source_line_on_both_engines()
    {
        var line = Array.FindIndex(File.ReadAllLines(DebugSource), l => l.Contains("return sum / count;")) + 1;
        foreach (var engine in new[] { "interpreter", "jit" })
        {
            var output = CliRunner.Run(null, "run", DebugObject, "--engine", engine, "--json");
            Assert.That(output.StdOut, Does.Contain($"\"error\":\"DivideByZero\",\"pc\":").And.Contain($"\"source\":\"debug/average.c\",\"line\":{line},\"function\":\"average\""), engine);
            var text = CliRunner.Run(null, "run", DebugObject, "--engine", engine);
            Assert.That(text.StdOut, Does.Contain($" in debug/average.c:{line} (average): division by zero"), engine);
        }

        var disassembly = CliRunner.Run(null, "disasm", DebugObject).StdOut;
        Assert.That(disassembly, Does.Contain($"    # debug/average.c:{line} (average)\n"));
        Assert.That(disassembly, Does.Match(@"div64 r\d, r\d +# pc \d+"));
    }

    private sealed record DumpRow(ulong Address, int Line, bool End);

    private static List<DumpRow> DwarfdumpRows(string path)
    {
        var output = LlvmTool.Run("llvm-dwarfdump-19", "--debug-line", path);
        return output.Split('\n').Select(l => Row().Match(l)).Where(m => m.Success)
            .Select(m => new DumpRow(Convert.ToUInt64(m.Groups[1].Value, 16), int.Parse(m.Groups[2].Value), m.Groups[3].Value.Contains("end_sequence")))
            .ToList();
    }

    private static (int Offset, int Size) SectionExtent(byte[] elf, string name)
    {
        var sectionHeaders = (int)BitConverter.ToUInt64(elf, 0x28);
        var count = BitConverter.ToUInt16(elf, 0x3c);
        var names = sectionHeaders + BitConverter.ToUInt16(elf, 0x3e) * 64;
        var namesOffset = (int)BitConverter.ToUInt64(elf, names + 0x18);
        for (var i = 0; i < count; i++)
        {
            var header = sectionHeaders + i * 64;
            var nameAt = namesOffset + BitConverter.ToInt32(elf, header);
            var end = Array.IndexOf(elf, (byte)0, nameAt);
            if (System.Text.Encoding.ASCII.GetString(elf, nameAt, end - nameAt) == name)
            {
                return ((int)BitConverter.ToUInt64(elf, header + 0x18), (int)BitConverter.ToUInt64(elf, header + 0x20));
            }
        }

        throw new InvalidOperationException($"no section {name}");
    }

    [GeneratedRegex(@"^0x([0-9a-f]{16})\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s*(.*)$")]
    private static partial Regex Row();
}
