using System.Globalization;
using System.Text;
using Tos.Tbpf.Assembly;


namespace Tos.Tbpf.Fuzzing;

/// <summary>Writes a mismatch as a ready-to-run <c>.data</c> test (the interpreter's outcome is the expectation, so the
/// test fails until the JIT agrees) and a text file with the disassembly and both engines' snapshots.</summary>
public static class FindingWriter
{
    /// <summary>Writes <c>NAME.data</c> and <c>NAME.txt</c> into <paramref name="folder"/>; returns the .data path.</summary>
    public static string Write(string folder, string name, Mismatch mismatch, int programSeed)
    {
        Directory.CreateDirectory(folder);
        var asm = Disassembler.Disassemble(Isa.Decoder.Decode(mismatch.Bytecode, mismatch.Profile), FuzzSyscalls.For(mismatch.Profile),
            profile: mismatch.Profile);
        var data = new StringBuilder();
        data.AppendLine($"# Found by tbpf fuzz (program seed {programSeed}): the JIT ({Describe(mismatch.Run.JitOptions)}) differs from the interpreter in {mismatch.Fields}.");
        data.AppendLine("# The expectation is the interpreter's outcome.");
        data.AppendLine("-- profile").AppendLine(mismatch.Profile.Name);
        data.AppendLine("-- budget").AppendLine(mismatch.Run.Budget.ToString(CultureInfo.InvariantCulture));
        data.AppendLine("-- asm").Append(asm);
        if (mismatch.Input.Length > 0)
        {
            data.AppendLine("-- mem").AppendLine(string.Join(' ', mismatch.Input.Select(b => b.ToString("x2", CultureInfo.InvariantCulture))));
        }

        var expected = mismatch.Interpreter.Result;
        var parts = expected.Split(' ');
        if (expected.StartsWith("Ok ", StringComparison.Ordinal))
        {
            data.AppendLine("-- result").AppendLine(parts[1].TrimEnd(','));
        }
        else
        {
            data.AppendLine("-- error").AppendLine(parts[0]);
            data.AppendLine("-- pc").AppendLine(parts[3].TrimEnd(','));
        }

        data.AppendLine("-- cu").AppendLine(parts[Array.IndexOf(parts, "cu") + 1]);
        var path = Path.Combine(folder, name + ".data");
        File.WriteAllText(path, data.ToString());
        File.WriteAllText(Path.Combine(folder, name + ".txt"),
            $"profile {mismatch.Profile.Name}, budget {mismatch.Run.Budget}, JIT {Describe(mismatch.Run.JitOptions)}, differs in {mismatch.Fields}\n\n"
            + $"{asm}\ninput: {Convert.ToHexStringLower(mismatch.Input)}\n\ninterpreter: {mismatch.Interpreter}\n\njit:         {mismatch.Jit}\n");
        return path;
    }

    private static string Describe(Jit.JitOptions options) =>
        options.BlindConstants ? $"hardened, seed {options.Seed}" : "hardening off";
}
