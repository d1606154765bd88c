using System.Text.Json;
using NUnit.Framework;
using Tos.Tbpf.Host;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Elf;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Host;

/// <summary>The one-node devnet from the command line, across processes: deploy, credit, invoke as a sender with deposits,
/// blocks, state and its digest, the exit codes, <c>--engine both</c>, and every way a state folder can be wrong.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class DevnetCliTests
{
    private static readonly string Alice = new('a', 64), Bob = new('b', 64), Gold = new('9', 64);

    private static string Object(string name) => Path.Combine(Contracts.OutFolder, "v3-O2", name + ".o");

    private static JsonElement Json(CliRunner.Output output)
    {
        Assert.That(output.StdOut.Count(c => c == '\n'), Is.EqualTo(1), $"one JSON line: {output.StdOut} {output.StdErr}");
        return JsonDocument.Parse(output.StdOut).RootElement;
    }

    [Test]
    public void Deploy_invoke_and_state_persist_across_processes()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var deploy = CliRunner.Run(null, "deploy", Object("counter"), "--state", folder);
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.StdErr);
        var hash = deploy.StdOut.Trim();
        Assert.That(hash, Does.Match("^[0-9a-f]{64}$"));

        var first = CliRunner.Run(null, "invoke", hash, "--input-hex", "05", "--state", folder);
        Assert.That(first.StdOut, Does.Contain("log: count = 5").And.Contain("committed"));
        var second = Json(CliRunner.Run(null, "invoke", hash, "--input-hex", "02", "--state", folder, "--engine", "interpreter", "--json"));
        Assert.That((second.GetProperty("engine").GetString(), second.GetProperty("committed").GetBoolean(), second.GetProperty("exitCode").GetInt32()),
            Is.EqualTo(("interpreter", true, 0)));
        Assert.That(second.GetProperty("logs")[0].GetString(), Is.EqualTo("count = 7"));

        var state = CliRunner.Run(null, "state", hash, "--state", folder);
        Assert.That(state.StdOut, Does.Contain("storage count = 0700000000000000").And.Match("state digest [0-9a-f]{64}"));
    }

    [Test]
    public void A_rolled_back_invocation_exits_1_and_leaves_the_state_and_its_digest_unchanged()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var hash = CliRunner.Run(null, "deploy", Object("counter"), "--state", folder).StdOut.Trim();
        CliRunner.Run(null, "invoke", hash, "--input-hex", "05", "--state", folder);
        var before = Json(CliRunner.Run(null, "state", "--state", folder, "--json")).GetProperty("stateDigest").GetString();

        var failed = CliRunner.Run(null, "invoke", hash, "--input-hex", "05", "--budget", "50", "--state", folder);

        Assert.That(failed.ExitCode, Is.EqualTo(1));
        Assert.That(failed.StdOut, Does.Contain("ComputeBudgetExceeded").And.Contain("nothing committed"));
        Assert.That(Json(CliRunner.Run(null, "state", "--state", folder, "--json")).GetProperty("stateDigest").GetString(), Is.EqualTo(before));
    }

    [Test]
    public void The_token_acts_for_the_sender_and_uses_its_deposits()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var token = CliRunner.Run(null, "deploy", Object("token"), "--state", folder).StdOut.Trim();
        Assert.That(CliRunner.Run(null, "credit", Alice, Gold, "100", "--state", folder).StdOut, Does.Contain($"= 100"));
        Assert.That(CliRunner.Run(null, "invoke", token, "--sender", Alice, "--input-hex", "00" + Gold, "--state", folder).ExitCode, Is.Zero);

        var input = Path.Combine(folder + "-input");
        File.WriteAllBytes(input, [4]);
        var wrap = Json(CliRunner.Run(null, "invoke", token, "--sender", Alice, "--deposit", $"{Gold}:40", "--input", input,
            "--height", "9", "--state", folder, "--json"));
        File.Delete(input);
        Assert.That(wrap.GetProperty("committed").GetBoolean(), Is.True);
        Assert.That(wrap.GetProperty("transfers")[0].GetProperty("amount").GetUInt64(), Is.EqualTo(40UL));
        Assert.That(wrap.GetProperty("events")[0].GetProperty("topic").GetString(), Is.EqualTo("6d696e74"), "\"mint\"");

        // Bob holds no tokens: the chain says it is bob, so he cannot spend alice's.
        var refused = Json(CliRunner.Run(null, "invoke", token, "--sender", Bob, "--input-hex", "02" + Bob + "0100000000000000",
            "--state", folder, "--json"));
        Assert.That((refused.GetProperty("exitCode").GetInt32(), refused.GetProperty("committed").GetBoolean()), Is.EqualTo((3, false)));
        var overdraw = CliRunner.Run(null, "invoke", token, "--sender", Alice, "--deposit", $"{Gold}:61", "--input-hex", "04", "--state", folder);
        Assert.That(overdraw.ExitCode, Is.EqualTo(1), "alice has 60 gold left");
        Assert.That(overdraw.StdOut, Does.Contain("InsufficientDeposit"));
    }

    [Test]
    public void A_block_file_gives_each_transaction_its_outcome_and_the_state_digest_a_serial_run_gives()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var counter = CliRunner.Run(null, "deploy", Object("counter"), "--state", folder).StdOut.Trim();
        var transactions = Enumerable.Range(0, 12).Select(i =>
            $"{{\"sender\":\"{(i % 2 == 0 ? Alice : Bob)}\",\"contract\":\"{counter}\",\"input\":\"{i + 1:x2}\"{(i == 5 ? ",\"budget\":40" : "")}}}");
        var path = Path.Combine(folder + ".json");
        File.WriteAllText(path, $"{{\"height\":3,\"transactions\":[{string.Join(',', transactions)},"
            + $"{{\"sender\":\"{Alice}\",\"contract\":\"{new string('c', 64)}\"}}]}}");

        var output = CliRunner.Run(null, "block", path, "--state", folder, "--threads", "2", "--json");
        File.Delete(path);

        Assert.That(output.ExitCode, Is.Zero, output.StdErr);
        var block = Json(output);
        var results = block.GetProperty("transactions").EnumerateArray().ToList();
        Assert.That(results, Has.Count.EqualTo(13));
        Assert.That(results[5].GetProperty("error").GetString(), Is.EqualTo("ComputeBudgetExceeded"));
        Assert.That(results[12].GetProperty("error").GetString(), Is.EqualTo("UnknownContract"));
        // The counter adds each input byte: 1 + 2 + … + 12, less the 6 that ran out of budget.
        Assert.That(results[11].GetProperty("logs")[0].GetString(), Is.EqualTo($"count = {78 - 6}"));

        // The same block run serially by a host over a copy of the state before it reaches the same digest.
        var reference = new InMemoryContractState();
        var host = new ContractHost(reference);
        Assert.That(host.Deploy(File.ReadAllBytes(Object("counter"))).Hex, Is.EqualTo(counter));
        for (var i = 0; i < 12; i++)
        {
            host.Invoke(Hash32.TryParse(counter, out var id) ? id : default, [(byte)(i + 1)], budget: i == 5 ? 40UL : 200_000UL);
        }

        Assert.That(block.GetProperty("stateDigest").GetString(), Is.EqualTo(reference.Digest().Hex));
        Assert.That(Json(CliRunner.Run(null, "state", "--state", folder, "--json")).GetProperty("stateDigest").GetString(),
            Is.EqualTo(reference.Digest().Hex));
    }

    [TestCase("{\"height\":-1,\"transactions\":[]}", "height")]
    [TestCase("{\"height\":1}", "'transactions' is missing")]
    [TestCase("{\"height\":1,\"transactions\":[{\"sender\":\"zz\",\"contract\":\"zz\"}]}", "transactions[0].sender")]
    [TestCase("{\"height\":1,\"transactions\":[{\"sender\":\"AAAA\"}]}", "transactions[0].sender")]
    [TestCase("[1,2", "not JSON")]
    public void A_malformed_block_file_is_a_usage_error_naming_the_field(string json, string where)
    {
        using var temp = new TempFolder();
        var path = temp.Path + ".json";
        File.WriteAllText(path, json);
        var output = CliRunner.Run(null, "block", path, "--state", temp.Path, "--json");
        File.Delete(path);
        Assert.That(output.ExitCode, Is.EqualTo(2));
        var error = Json(output);
        Assert.That(error.GetProperty("error").GetString(), Is.EqualTo("UsageError"));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain(where));
    }

    [Test]
    public void Both_engines_run_compare_and_commit_once()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var hash = CliRunner.Run(null, "deploy", Object("counter"), "--state", folder).StdOut.Trim();
        var both = Json(CliRunner.Run(null, "invoke", hash, "--input-hex", "04", "--engine", "both", "--state", folder, "--json"));
        Assert.That(both.GetProperty("engine").GetString(), Is.EqualTo("interpreter and jit agree"));
        var next = Json(CliRunner.Run(null, "invoke", hash, "--input-hex", "01", "--state", folder, "--json"));
        Assert.That(next.GetProperty("logs")[0].GetString(), Is.EqualTo("count = 5"), "the first invocation was committed exactly once");
    }

    [Test]
    public void Unknown_contracts_bad_hashes_and_bad_options_are_usage_errors()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        Assert.That(CliRunner.Run(null, "invoke", new string('a', 64), "--state", folder).ExitCode, Is.EqualTo(2));
        var bad = CliRunner.Run(null, "state", "xyz", "--state", folder);
        Assert.That((bad.ExitCode, bad.StdErr.Contains("not 64 hex digits", StringComparison.Ordinal)), Is.EqualTo((2, true)));
        foreach (var arguments in new[]
        {
            new[] { "credit", Alice, Gold, "-5", "--state", folder },
            ["credit", Alice, "nope", "5", "--state", folder],
            ["invoke", new string('a', 64), "--sender", "xyz", "--state", folder],
            ["invoke", new string('a', 64), "--deposit", "gold", "--state", folder],
            ["invoke", new string('a', 64), "--budget", "0", "--state", folder],
            ["invoke", new string('a', 64), "--height", "-1", "--state", folder],
            ["block", "missing.json", "--state", folder],
        })
        {
            var output = CliRunner.Run(null, arguments);
            Assert.That(output.ExitCode, Is.EqualTo(2), string.Join(' ', arguments));
            Assert.That(output.StdErr, Does.StartWith("UsageError: "), string.Join(' ', arguments));
        }

        CliRunner.Run(null, "credit", Alice, Gold, ulong.MaxValue.ToString(), "--state", folder);
        Assert.That(CliRunner.Run(null, "credit", Alice, Gold, "1", "--state", folder).StdErr, Does.Contain("would pass"));
    }

    [Test]
    public void A_state_folder_that_is_not_one_is_a_state_error()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.Path);
        var file = Path.Combine(temp.Path, "a-file");
        File.WriteAllText(file, "x");
        var other = Path.Combine(temp.Path, "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "notes.txt"), "not a database");
        var corrupt = Path.Combine(temp.Path, "corrupt");
        CliRunner.Run(null, "state", "--state", corrupt);
        File.WriteAllText(Path.Combine(corrupt, "CURRENT"), "garbage\n");

        foreach (var (folder, message) in new[]
        {
            (file, "is a file"),
            (other, "is not a state folder"),
            (corrupt, "Corruption"),
            ("/proc/self/tbpf-state", "cannot be used"),
        })
        {
            var output = CliRunner.Run(null, "state", "--state", folder, "--json");
            Assert.That(output.ExitCode, Is.EqualTo(2), folder);
            var error = Json(output);
            Assert.That(error.GetProperty("error").GetString(), Is.EqualTo("StateError"), folder);
            Assert.That(error.GetProperty("message").GetString(), Does.Contain(message), folder);
            Assert.That(output.StdOut + output.StdErr, Does.Not.Contain("   at "), "no stack trace");
        }

        Assert.That(File.ReadAllText(Path.Combine(other, "notes.txt")), Is.EqualTo("not a database"), "nothing was written there");
    }

    [Test]
    public void A_state_folder_held_by_another_process_is_waited_for_then_refused()
    {
        using var temp = new TempFolder();
        using (var held = new RocksDbContractState(temp.Path))
        {
            var refused = CliRunner.Run(null, "state", "--state", temp.Path, "--lock-timeout", "1");
            Assert.That(refused.ExitCode, Is.EqualTo(2));
            Assert.That(refused.StdErr, Does.Contain("in use by another process; waiting up to 1 s").And.Contain("StateError").And.Contain("waited 1 s"));

            // Released while the command waits: it goes on.
            var waiting = Task.Run(() => CliRunner.Run(null, "state", "--state", temp.Path, "--lock-timeout", "30"));
            Thread.Sleep(1500);
            held.Dispose();
            var served = waiting.Result;
            Assert.That(served.ExitCode, Is.Zero, served.StdErr);
            Assert.That(served.StdOut, Does.StartWith("state digest "));
        }
    }
}
