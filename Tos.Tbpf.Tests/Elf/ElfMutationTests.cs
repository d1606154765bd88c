using NUnit.Framework;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Host;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf.Tests.Elf;

/// <summary>
/// Seeded mutations of every contract (bit flips and truncations): each variant either loads, or fails with an
/// <see cref="ElfException"/>; a variant that loads either verifies and runs to a result on every engine, or fails
/// verification. Any other exception fails the test.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ElfMutationTests
{
    private const int Variants = 2000;

    public static IEnumerable<string> Names => Contracts.Names;

    [TestCaseSource(nameof(Names))]
    public void Mutated_objects_load_or_fail_cleanly(string name)
    {
        var original = Contracts.Bytes("v3-O2", name);
        var random = new Random(name.GetHashCode(StringComparison.Ordinal) ^ 0x5eed);
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < Variants; i++)
        {
            var mutant = Mutate(original, random);
            var outcome = Try(mutant);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        TestContext.Out.WriteLine(string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key}: {o.Value}")));
        Assert.That(outcomes.Keys.Where(k => k.StartsWith("crash", StringComparison.Ordinal)), Is.Empty);
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        if (random.Next(5) == 0)
        {
            return original[..random.Next(original.Length)];
        }

        var mutant = original.ToArray();
        for (var flips = random.Next(1, 9); flips > 0; flips--)
        {
            var at = random.Next(mutant.Length);
            mutant[at] ^= (byte)(1 << random.Next(8));
        }

        return mutant;
    }

    private static string Try(byte[] file)
    {
        try
        {
            var executable = ElfLoader.Load(file, Profile.Tbpf, TosSyscalls.Registry());
            var verified = Vm.Load(executable);
            foreach (var engine in Engines.Available)
            {
                var memory = MemoryMap.Standard(executable.ProgramRegion, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], executable.Profile);
                engine.Run(verified, memory, 10_000, new Syscalls.SyscallContext(memory, Invocation.Offline()));
            }

            return "ran";
        }
        catch (ElfException exception)
        {
            return $"elf {exception.Kind}";
        }
        catch (VerifierException exception)
        {
            return $"verifier {exception.Kind}";
        }
        catch (Exception exception)
        {
            return $"crash {exception.GetType().Name}: {exception.Message}";
        }
    }
}
