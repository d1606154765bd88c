using System.Text.RegularExpressions;
using NUnit.Framework;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Elf;

/// <summary>
/// Our decoder and disassembler against llvm-objdump-19 on every contract: the same instruction boundaries,
/// and each of our disassembled instructions assembles back to exactly the bytes objdump shows.
/// Runs where llvm-objdump-19 is installed (CI installs it with clang-19).
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class ObjdumpComparisonTests
{
    public static IEnumerable<TestCaseData> Cases() =>
        from variant in Contracts.Variants from name in Contracts.Names
        select new TestCaseData(variant, name).SetName($"{name} {variant}");

    [TestCaseSource(nameof(Cases))]
    public void Instruction_stream_matches_llvm_objdump(string variant, string name)
    {
        var path = Path.Combine(Contracts.OutFolder, variant, name + ".o");
        var objdump = Objdump(path);
        var elf = ElfFile.Parse(File.ReadAllBytes(path));
        var text = elf.Data(elf.Sections.Single(s => s.IsExecutable)).ToArray();
        var decoded = Decoder.Decode(text);

        var ours = Enumerable.Range(0, decoded.Length).Where(pc => decoded[pc].Op != Op.LddwTail).ToList();
        Assert.That(ours, Is.EqualTo(objdump.Select(o => o.Pc).ToList()), "instruction boundaries");
        foreach (var (pc, bytes) in objdump)
        {
            var line = Disassembler.Format(decoded[pc], pc);
            Assert.That(Convert.ToHexString(Assembler.AssembleBytes(line)), Is.EqualTo(Convert.ToHexString(bytes)), $"pc {pc}: {line}");
        }
    }

    private static List<(int Pc, byte[] Bytes)> Objdump(string path)
    {
        var output = LlvmTool.Run("llvm-objdump-19", "-d", "--section=.text", path);
        return output.Split('\n').Select(l => InstructionLine().Match(l)).Where(m => m.Success)
            .Select(m => (int.Parse(m.Groups[1].Value), Convert.FromHexString(m.Groups[2].Value.Replace(" ", "").Replace("\t", "")))).ToList();
    }

    [GeneratedRegex(@"^\s*(\d+):\t((?:[0-9a-f]{2}[ \t])+)")]
    private static partial Regex InstructionLine();
}
