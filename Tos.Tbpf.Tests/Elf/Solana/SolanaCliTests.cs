using System.Text;
using NUnit.Framework;
using Tos.Tbpf.Assembly;
using Tos.Tbpf.Fuzzing.Solana;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Elf.Solana;

/// <summary><c>tbpf run --profile sbpfv0|sbpfv3|sbpfv4</c> on assembler text, raw bytecode and .so files, with sbpf's
/// call depth and frame size settings, and the disassembler under those profiles.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class SolanaCliTests
{
    private static string Write(string name, byte[] content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tbpf-sbpf-{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, content);
        return path;
    }

    private static System.Text.Json.JsonElement Json(CliRunner.Output output) =>
        System.Text.Json.JsonDocument.Parse(output.StdOut).RootElement;

    [Test]
    public void Assembler_text_runs_on_both_engines_with_v0s_frame_gaps()
    {
        var program = Write("gaps.s", Encoding.ASCII.GetBytes("call function_f\nexit\nfunction_f:\nmov64 r0, r10\nexit"));
        var output = CliRunner.Run(null, "run", program, "--profile", "sbpfv0", "--engine", "both");
        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdErr);
        Assert.That(output.StdOut, Does.Contain("r0 = 0x200003000"), "the callee's frame is past a gap: 0x200001000 + 2 * 4096");
    }

    [Test]
    public void A_v0_so_runs_and_its_log_is_in_the_json()
    {
        var so = new SoBuilder { Rodata = Encoding.ASCII.GetBytes("hi"), Text = Assembler.AssembleBytes("lddw r1, 0\nmov64 r2, 2\ncall -1\nexit") };
        so.Text = Assembler.AssembleBytes($"lddw r1, {(1UL << 32) + so.RodataOffset}\nmov64 r2, 2\ncall -1\nexit");
        so.DynamicSymbols.Add(("sol_log_", 0x10, 0));
        so.Relocations.Add((SoBuilder.TextOffset + 24, SoBuilder.RBpf32, 1));
        var output = CliRunner.Run(null, "run", Write("p.so", so.Build()), "--profile", "sbpfv0", "--json");
        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdOut + output.StdErr);
        Assert.That(Json(output).GetProperty("logs")[0].GetString(), Is.EqualTo("Program log: hi"));
        Assert.That(Json(output).GetProperty("cu").GetInt64(), Is.EqualTo(104));
    }

    [Test]
    public void A_v3_so_under_the_v0_profile_is_a_load_error_naming_the_right_profile()
    {
        var so = new StrictSoBuilder { Bytecode = Assembler.AssembleBytes("exit") }.Build();
        var output = CliRunner.Run(null, "run", Write("v3.so", so), "--profile", "sbpfv0");
        Assert.That(output.ExitCode, Is.EqualTo(2));
        var run = CliRunner.Run(null, "run", Write("v3.so", so), "--profile", "sbpfv3", "--json");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.StdOut + run.StdErr);
    }

    [Test]
    public void Raw_bytecode_runs_under_v3()
    {
        var output = CliRunner.Run(null, "run", Write("p.bin", Assembler.AssembleBytes("mov64 r0, 0x7fffffff\nadd32 r0, 1\nexit")),
            "--profile", "sbpfv3", "--format", "raw", "--json");
        Assert.That(Json(output).GetProperty("r0").GetString(), Is.EqualTo("0xffffffff80000000"), "add32 sign-extends under sbpf");
    }

    [Test]
    public void Max_call_depth_sets_the_frame_count()
    {
        // Recursion without end: with 3 frames the third call (at pc 0, the 3rd instruction run) has no frame left.
        var program = Write("deep.s", Encoding.ASCII.GetBytes("function_f:\ncall function_f\nexit"));
        var output = CliRunner.Run(null, "run", program, "--profile", "sbpfv0", "--max-call-depth", "3", "--json", "--engine", "both");
        Assert.That(Json(output).GetProperty("error").GetString(), Is.EqualTo("CallDepthExceeded"), output.StdOut);
        Assert.That(Json(output).GetProperty("cu").GetInt64(), Is.EqualTo(3));
    }

    [Test]
    public void Stack_frame_size_moves_r10()
    {
        var program = Write("frame.s", Encoding.ASCII.GetBytes("mov64 r0, r10\nexit"));
        var output = CliRunner.Run(null, "run", program, "--profile", "sbpfv3", "--stack-frame-size", "8192", "--json");
        Assert.That(Json(output).GetProperty("r0").GetString(), Is.EqualTo("0x200002000"));
    }

    [TestCase("--stack-frame-size", "1000", "sbpfv0", "power of two")]
    [TestCase("--stack-frame-size", "12", "sbpfv3", "multiple of 8")]
    [TestCase("--max-call-depth", "0", "sbpfv3", "between 1")]
    [TestCase("--max-call-depth", "5000", "tbpf", "between 1")]
    public void Bad_frame_settings_are_usage_errors(string option, string value, string profile, string message)
    {
        var program = Write("p.s", Encoding.ASCII.GetBytes("exit"));
        var output = CliRunner.Run(null, "run", program, "--profile", profile, option, value, "--json");
        Assert.That(output.ExitCode, Is.EqualTo(2));
        Assert.That(output.StdOut + output.StdErr, Does.Contain(message));
    }

    [Test]
    public void Disassembly_of_a_so_names_a_syscall_it_cannot_run()
    {
        var so = new SoBuilder { Text = Assembler.AssembleBytes("call -1\nexit") };
        so.DynamicSymbols.Add(("sol_invoke_signed_c", 0x10, 0));
        so.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpf32, 1));
        var path = Write("cpi.so", so.Build());
        Assert.That(CliRunner.Run(null, "run", path, "--profile", "sbpfv0").ExitCode, Is.EqualTo(2), "running it is a load error");
        var output = CliRunner.Run(null, "disasm", path, "--profile", "sbpfv0");
        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdErr);
        Assert.That(output.StdOut, Does.Contain("sol_invoke_signed_c (not registered)"));
    }

    [Test]
    public void Disassembly_under_v0_names_callx_by_its_imm_register()
    {
        // callx with imm 3 (sbpf V0's encoding): opcode 0x8d, imm 3.
        var bytes = new byte[] { 0x8d, 0, 0, 0, 3, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0 };
        var output = CliRunner.Run(null, "disasm", Write("callx.bin", bytes), "--profile", "sbpfv0");
        Assert.That(output.StdOut, Does.Contain("callx r3"));
    }
}
