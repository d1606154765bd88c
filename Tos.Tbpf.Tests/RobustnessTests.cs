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
}
