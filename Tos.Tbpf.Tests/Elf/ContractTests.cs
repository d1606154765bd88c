using System.Buffers.Binary;
using System.Security.Cryptography;
using NUnit.Framework;
using Tos.Tbpf.Host;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Elf;

/// <summary>
/// The C contracts, in every clang build variant, loaded from ELF and run on every engine. Expectations come
/// from independent implementations: System.Security.Cryptography for SHA-256, Array.Sort, and C# models of
/// the counter and dispatch rules (the token, which needs a sender and deposits, is tested through the host).
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ContractTests
{
    private const ulong Budget = 1_400_000;

    public static IEnumerable<string> Variants => Contracts.Variants;

    /// <summary>Runs on every engine over <paramref name="state"/>, committing the changes as the contract host
    /// does: only when the run ends with exit code 0.</summary>
    private static (Execution.ExecutionResult Result, Invocation Host) Run(Executable contract, byte[] input, InMemoryContractState? state = null)
    {
        state ??= new InMemoryContractState();
        var (outcome, invocation) = AllEngines.Run(contract, input, Budget, state);
        if (outcome.Result.IsOk && outcome.Result.R0 == 0)
        {
            state.Commit(invocation.Overlay.Changes);
        }

        return (outcome.Result, invocation);
    }

    [TestCaseSource(nameof(Variants))]
    public void Hello_world_logs_a_greeting_and_the_input_length(string variant)
    {
        var (result, host) = Run(Contracts.Load(variant, "hello_world"), [1, 2, 3]);
        Assert.That(result.Describe(), Does.StartWith("Ok 0x0"));
        Assert.That(host.LogLines, Is.EqualTo(new[] { "Hello, TOS!", "input bytes: 3" }));
    }

    [TestCaseSource(nameof(Variants))]
    public void Counter_accumulates_in_storage(string variant)
    {
        var contract = Contracts.Load(variant, "counter");
        var state = new InMemoryContractState();
        var (first, _) = Run(contract, [5], state);
        var (second, after) = Run(contract, [], state);
        Assert.That((first.R0, second.R0), Is.EqualTo((0UL, 0UL)));
        var stored = state.Get(StateKeys.Storage(Hash32.Zero, "count"u8))!;
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(stored), Is.EqualTo(6UL), "5, then 1 for an empty input");
        Assert.That(after.LogLines.Last(), Is.EqualTo("count = 6"));
    }

    [TestCaseSource(nameof(Variants))]
    public void Sha256_matches_the_framework(string variant)
    {
        var contract = Contracts.Load(variant, "sha256");
        var random = new Random(256);
        foreach (var length in new[] { 0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 200 })
        {
            var input = new byte[length];
            random.NextBytes(input);
            var (result, host) = Run(contract, input);
            Assert.That(result.IsOk, Is.True, result.Describe());
            Assert.That(host.Logs.Single(), Is.EqualTo(SHA256.HashData(input)), $"{length} bytes");
        }
    }

    [TestCaseSource(nameof(Variants))]
    public void Sort_matches_array_sort(string variant)
    {
        var contract = Contracts.Load(variant, "sort");
        var random = new Random(5);
        foreach (var count in new[] { 0, 1, 2, 3, 17, 256 }) // 256 u32s: the 1 KiB a log message may hold
        {
            var values = Enumerable.Range(0, count).Select(_ => (uint)random.Next(0, 50) * 0x01000193u).ToArray();
            var input = values.SelectMany(BitConverter.GetBytes).ToArray();
            var (result, host) = Run(contract, input);
            Array.Sort(values);
            Assert.That(result.IsOk, Is.True, result.Describe());
            Assert.That(host.Logs.Single(), Is.EqualTo(values.SelectMany(BitConverter.GetBytes).ToArray()), $"{count} values");
        }
    }

    [TestCaseSource(nameof(Variants))]
    public void Dispatch_applies_the_selected_operation_and_adjustment(string variant)
    {
        var contract = Contracts.Load(variant, "dispatch");
        foreach (var x in new ulong[] { 0, 5, 0xffff_ffff_ffff_fff0, 123_456_789 })
        {
            for (byte operation = 0; operation < 4; operation++)
            {
                for (byte selector = 0; selector < 16; selector++)
                {
                    var input = new byte[10];
                    input[0] = operation;
                    input[1] = selector;
                    BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(2), x);
                    Assert.That(Run(contract, input).Result.R0, Is.EqualTo(DispatchModel(operation, selector, x)), $"op {operation}, selector {selector}, x {x}");
                }
            }
        }

        Assert.That(Run(contract, [9, 0, 0, 0, 0, 0, 0, 0, 0, 0]).Result.R0, Is.EqualTo(ulong.MaxValue), "an operation outside the table");
    }

    private static ulong DispatchModel(byte operation, byte selector, ulong x)
    {
        var y = operation switch
        {
            0 => x * 2,
            1 => x * x,
            2 => 0 - x,
            _ => (ulong)ulong.PopCount(x),
        };
        return selector switch
        {
            0 => y + 11, 1 => y ^ 0x5a5a, 2 => y - 7, 3 => y << 3, 4 => y >> 2, 5 => y * 13, 6 => y | 0x100, 7 => y & 0xff,
            8 => y + 1000, 9 => y / 3, 10 => y % 97, 11 => ~y, 12 => y + y / 2, 13 => y * y + 1, 14 => 42, _ => y - 1,
        };
    }
}
