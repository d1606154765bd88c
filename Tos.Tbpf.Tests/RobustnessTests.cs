using NUnit.Framework;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>
/// Random valid programs (every opcode, edge operands, wild pointers, loops) on every engine: whatever they do,
/// the run ends in a result value within the budget, never in a .NET exception, and the engines agree.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class RobustnessTests
{
    private static readonly SyscallRegistry Syscalls = new SyscallRegistry()
        .Register("echo", (_, r1, _, _, _, _) => r1)
        .Register("read8", (context, r1, _, _, _, _) => context.Read(r1, 8)[0]);

    [Test]
    public void Random_programs_end_in_a_result_value([Values("tbpf", "rfc9669")] string profileName, [Range(1, 100)] int seed)
    {
        var profile = Profile.ByName(profileName)!;
        var helpers = profile.Calls == CallEncoding.HelperNumber
            ? new SyscallRegistry().RegisterHelper(5, "echo", (_, r1, _, _, _, _) => r1)
            : Syscalls;
        var program = Encoder.Encode(new RandomPrograms(seed, profile, helpers).Next(120));
        const ulong budget = 5_000;

        var outcome = AllEngines.Run(Executable.FromBytecode(program, profile, helpers), [1, 2, 3, 4, 5, 6, 7, 8], budget);

        Assert.That(outcome.Result.ComputeUnits, Is.LessThanOrEqualTo(budget));
        if (outcome.Result.Error is { } error)
        {
            Assert.That(error.Pc, Is.InRange(0, program.Length / 8 - 1), "the error names an instruction of the program");
            Assert.That(error.Message, Is.Not.Empty);
        }
    }

    [Test]
    public void Random_bytes_are_refused_by_the_verifier_or_run_to_a_result([Range(1, 60)] int seed)
    {
        // Mostly invalid: random slots, with a bias towards real opcodes so that some programs get through.
        var random = new Random(seed);
        var codes = OpcodeTable.All.Select(r => r.Code).Distinct().ToArray();
        var bytes = new byte[8 * random.Next(1, 40)];
        random.NextBytes(bytes);
        for (var at = 0; at < bytes.Length; at += 8)
        {
            if (random.Next(2) == 0)
            {
                bytes[at] = codes[random.Next(codes.Length)];
                bytes[at + 1] &= 0x99; // registers r0–r9 in both nibbles
            }
        }

        // End with exit, so that the programs whose other slots happen to be valid get through to the engines.
        bytes.AsSpan(bytes.Length - 8).Clear();
        bytes[^8] = 0x95;
        try
        {
            var outcome = AllEngines.Run(Executable.FromBytecode(bytes, Profile.Tbpf, Syscalls), [], 1_000);
            Assert.That(outcome.Result.ComputeUnits, Is.LessThanOrEqualTo(1_000UL));
        }
        catch (Verification.VerifierException exception)
        {
            Assert.That(exception.Message, Does.StartWith($"pc {exception.Pc}:"));
        }
    }
}
