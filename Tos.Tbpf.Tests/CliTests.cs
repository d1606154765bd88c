using NUnit.Framework;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>The <c>tbpf</c> command as users and scripts see it: JSON lines, exit codes, formats.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class CliTests
{
    private static string WriteTemp(string name, string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tbpf-test-{Guid.NewGuid():N}-{name}");
        File.WriteAllText(path, content);
        return path;
    }

    private static CliRunner.Output RunJson(string asm, params string[] extra) =>
        CliRunner.Run(null, ["run", WriteTemp("p.s", asm), "--json", .. extra]);

    [Test]
    public void Successful_run_prints_one_json_line()
    {
        var output = RunJson("mov r0, 40\nadd r0, 2\nexit", "--engine", "interpreter");
        Assert.That(output.StdOut, Is.EqualTo("{\"ok\":true,\"r0\":\"0x2a\",\"cu\":3,\"engine\":\"interpreter\",\"logs\":[],\"events\":[],\"transfers\":[]}\n"));
        Assert.That(output.ExitCode, Is.EqualTo(0));
    }

    [TestCase("mov r0, 1\nmov r1, 0\ndiv r0, r1\nexit", "DivideByZero", 2, 3)]
    [TestCase("lddw r0, 0x8000000000000000\nsdiv r0, -1\nexit", "DivideOverflow", 2, 2)]
    [TestCase("mov r1, 0\nldxw r0, [r1+0]\nexit", "AccessViolation", 1, 2)]
    [TestCase("ja -1\nexit", "ComputeBudgetExceeded", 0, 50, "--budget", "50")]
    [TestCase("call f\nexit\nf:\ncall f\nexit", "CallDepthExceeded", 2, 64)]
    [TestCase("mov r1, 8\ncallx r1\nexit", "CallOutsideText", 1, 2)]
    [TestCase("lddw r1, 0x100000008\ncallx r1\nexit", "InvalidInstruction", 2, 2)]
    [TestCase("mov r2, 2000\nsyscall tos_log\nexit", "SyscallError", 1, 2)]
    public void Runtime_error_prints_kind_pc_and_units_and_exits_1(string asm, string kind, long pc, long cu, params string[] extra)
    {
        var output = RunJson(asm, extra);
        Assert.That(output.StdOut, Does.StartWith($"{{\"ok\":false,\"error\":\"{kind}\",\"pc\":{pc},\"cu\":{cu},\"message\":\""));
        Assert.That(output.StdOut.Count(c => c == '\n'), Is.EqualTo(1), "exactly one line");
        Assert.That(output.ExitCode, Is.EqualTo(1));
    }

    [Test]
    public void A_run_reports_its_logs_events_and_transfers()
    {
        // Logs "hi" (from the input) and fires an event with topic "t" and data "hi".
        var asm = "mov r6, r1\nmov r2, 2\nsyscall tos_log\nstb [r10-1], 0x74\nmov r1, r10\nadd r1, -1\nmov r2, 1\nmov r3, r6\nmov r4, 2\nsyscall tos_fire_event\nmov r0, 0\nexit";
        var output = RunJson(asm, "--input-hex", "6869");
        using var json = System.Text.Json.JsonDocument.Parse(output.StdOut);
        var root = json.RootElement;
        Assert.That(root.GetProperty("logs")[0].GetString(), Is.EqualTo("hi"));
        Assert.That(root.GetProperty("events")[0].GetProperty("topic").GetString(), Is.EqualTo("74"));
        Assert.That(root.GetProperty("events")[0].GetProperty("data").GetString(), Is.EqualTo("6869"));
        Assert.That(root.GetProperty("transfers").GetArrayLength(), Is.Zero);
    }

    [Test]
    public void Verifier_error_exits_2_with_the_pc()
    {
        var output = RunJson("mov r0, 1\ndiv r0, 0\nexit");
        Assert.That(output.StdOut, Does.StartWith("{\"ok\":false,\"error\":\"VerifierError\",\"pc\":1,\"cu\":0,\"message\":\"DivisionByZeroImmediate"));
        Assert.That(output.ExitCode, Is.EqualTo(2));
    }

    [Test]
    public void Assembler_error_exits_2_naming_the_line()
    {
        var output = RunJson("mov r0, 1\nbogus r1\nexit");
        Assert.That(output.StdOut, Does.StartWith("{\"ok\":false,\"error\":\"AssemblerError\",\"cu\":0,\"message\":\"line 2, column 1"));
        Assert.That(output.ExitCode, Is.EqualTo(2));
    }

    [Test]
    public void Malformed_elf_is_an_elf_error()
    {
        var path = WriteTemp("x.o", "\u007fELF....");
        var output = CliRunner.Run(null, "run", path, "--json");
        Assert.That(output.StdOut, Does.StartWith("{\"ok\":false,\"error\":\"ElfError\",\"cu\":0,\"message\":\"Truncated"));
        Assert.That(output.ExitCode, Is.EqualTo(2));
    }

    [TestCase("interpreter")]
    [TestCase("jit")]
    [TestCase("auto")]
    public void Every_engine_runs_from_the_command_line(string engine)
    {
        var output = RunJson("mov r0, 1\nlsh r0, 40\nexit", "--engine", engine);
        Assert.That(output.StdOut, Does.StartWith("{\"ok\":true,\"r0\":\"0x10000000000\",\"cu\":3,\"engine\":\""));
    }

    [Test]
    public void Both_engines_agree_and_say_so()
    {
        var output = CliRunner.Run(null, "run", WriteTemp("b.s", "mov r0, 6\nmul r0, 7\nstxdw [r10-8], r0\nexit"), "--engine", "both");
        Assert.That(output.ExitCode, Is.EqualTo(0), output.StdErr);
        Assert.That(output.StdOut, Does.Contain("r0 = 0x2a").And.Contain("interpreter and jit agree"));
    }

    [TestCase("01:02:03", "0x3")]
    [TestCase("01 02 03 04", "0x4")]
    [TestCase("0a0b", "0x2")]
    [TestCase("", "0x0")]
    public void Input_hex_accepts_separators_and_empty(string hex, string r0)
    {
        var output = RunJson("mov r0, r2\nexit", "--input-hex", hex);
        Assert.That(output.StdOut, Does.Contain($"\"r0\":\"{r0}\""));
    }

    [Test]
    public void Input_file_is_the_input_region()
    {
        var input = Path.Combine(Path.GetTempPath(), $"tbpf-input-{Guid.NewGuid():N}");
        File.WriteAllBytes(input, [7, 9]);
        var output = RunJson("ldxb r0, [r1+1]\nexit", "--input", input);
        Assert.That(output.StdOut, Does.Contain("\"r0\":\"0x9\""));
    }

    [Test]
    public void Bad_option_is_a_usage_error()
    {
        var output = CliRunner.Run(null, "run", "x.s", "--profile", "windows");
        Assert.That(output.ExitCode, Is.EqualTo(2));
    }

    [Test]
    public void Raw_format_is_guessed_and_entry_labels_work()
    {
        var source = WriteTemp("e.s", "mov r0, 1\nexit\nsecond:\nmov r0, 2\nexit");
        var binary = source + ".bin";
        Assert.That(CliRunner.Run(null, "asm", source, "-o", binary).ExitCode, Is.EqualTo(0));
        Assert.That(CliRunner.Run(null, "run", binary, "--json").StdOut, Does.Contain("\"r0\":\"0x1\""));
        Assert.That(CliRunner.Run(null, "run", source, "--entry", "second", "--json").StdOut, Does.Contain("\"r0\":\"0x2\""));
        var disassembly = CliRunner.Run(null, "disasm", binary);
        Assert.That(disassembly.StdOut, Does.Contain("mov64 r0, 2"));
    }

    private static string Contract(string name) => Path.Combine(SharedData.RepositoryRoot, "native-contracts", "out", "v3-O2", name + ".o");

    [Test]
    public void Elf_contracts_verify_run_and_disassemble()
    {
        var verify = CliRunner.Run(null, "verify", Contract("token"));
        Assert.That(verify.ExitCode, Is.EqualTo(0), verify.StdErr);
        Assert.That(verify.StdOut, Does.StartWith("ok:"));

        var run = CliRunner.Run(null, "run", Contract("hello_world"), "--input-hex", "aa bb");
        Assert.That(run.StdOut, Does.Contain("log: Hello, TOS!").And.Contain("log: input bytes: 2").And.Contain("r0 = 0x0"));

        var disassembly = CliRunner.Run(null, "disasm", Contract("hello_world")).StdOut;
        Assert.That(disassembly, Does.Contain("entrypoint:").And.Contain("syscall tos_log").And.Contain(": .rodata.str1.1+0 \"Hello, TOS!\""));
    }

    [Test]
    public void Elf_entry_by_name()
    {
        // Entered directly, dispatch's op_popcount(x) counts the bits of r1 = the input address 0x4_0000_0000: one.
        var output = CliRunner.Run(null, "run", Contract("dispatch"), "--entry", "op_popcount", "--json");
        Assert.That(output.StdOut, Does.StartWith("{\"ok\":true,\"r0\":\"0x1\""));
        var missing = CliRunner.Run(null, "run", Contract("dispatch"), "--entry", "nope", "--json");
        Assert.That(missing.StdOut, Does.Contain("\"error\":\"ElfError\"").And.Contain("'nope'"));
        Assert.That(missing.ExitCode, Is.EqualTo(2));
    }

    [TestCase("--budget", "-5", "--budget: '-5' is not a whole number from 0 to 18446744073709551615")]
    [TestCase("--budget", "lots", "--budget: 'lots' is not a whole number from 0 to 18446744073709551615")]
    [TestCase("--engine", "gpu", "'gpu'")]
    public void Option_errors_are_ours_and_honour_json(string option, string value, string expected)
    {
        var output = CliRunner.Run(null, "run", WriteTemp("p.s", "exit"), option, value, "--json");
        Assert.That(output.ExitCode, Is.EqualTo(2));
        Assert.That(output.StdOut, Does.StartWith("{\"ok\":false,\"error\":\"UsageError\",\"message\":\"").And.Contain(expected));
        Assert.That(output.StdOut, Does.Not.Contain("System."), "no .NET type names");
        var text = CliRunner.Run(null, "run", WriteTemp("p.s", "exit"), option, value);
        Assert.That(text.StdErr, Does.Contain(expected).And.Not.Contain("System."));
    }

    [Test]
    public void A_load_error_in_the_text_names_the_pc_and_function()
    {
        var fixture = Path.Combine(SharedData.RepositoryRoot, "native-contracts", "out", "fixtures", "unknown_syscall.o");
        // Where disasm (which links unknown syscalls for display) shows the call, by its pc comment.
        var disassembly = CliRunner.Run(null, "disasm", fixture).StdOut;
        var pc = System.Text.RegularExpressions.Regex.Match(disassembly, @"# pc (\d+): tos_not_a_syscall \(not registered\)").Groups[1].Value;
        Assert.That(pc, Is.Not.Empty, disassembly);
        var output = CliRunner.Run(null, "run", fixture, "--json");
        Assert.That(output.ExitCode, Is.EqualTo(2));
        Assert.That(output.StdOut, Does.StartWith($"{{\"ok\":false,\"error\":\"ElfError\",\"pc\":{pc},")
            .And.Contain($"UnknownSyscall: pc {pc} (in entrypoint): call to 'tos_not_a_syscall'"));
    }

    [Test]
    public void A_folder_given_as_a_program_says_so()
    {
        var folder = Directory.CreateTempSubdirectory("tbpf-folder-").FullName;
        var output = CliRunner.Run(null, "run", folder, "--json");
        Assert.That(output.ExitCode, Is.EqualTo(2));
        Assert.That(output.StdOut, Does.Contain("is a folder, not a program file").And.Not.Contain("denied"));
    }

    [Test]
    public void A_whole_program_error_has_no_pc()
    {
        var output = RunJson("");
        Assert.That(output.StdOut, Does.StartWith("{\"ok\":false,\"error\":\"VerifierError\",\"cu\":0,\"message\":\"EmptyProgram: the program has no instructions\""));
        Assert.That(CliRunner.Run(null, "verify", WriteTemp("p.s", "")).StdErr, Does.Not.Contain("pc -1"));
    }

    [Test]
    public void Every_command_has_help()
    {
        foreach (var command in new[] { "asm", "disasm", "verify", "run", "bench", "trace", "profile", "new", "report", "conformance-plugin" })
        {
            var output = CliRunner.Run(null, command, "--help");
            Assert.That(output.ExitCode, Is.EqualTo(0), command);
            Assert.That(output.StdOut, Does.Contain("Usage:"), command);
        }
    }
}
