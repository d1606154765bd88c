using Tos.Tbpf.Elf;
using Tos.Tbpf.Fuzzing;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf.FuzzTargets;

/// <summary>
/// The coverage-guided fuzz targets (AFL++ or libFuzzer through SharpFuzz). Each takes raw bytes and lets only the
/// outcomes the API promises pass; anything else escapes as an exception, which the fuzzer records as a crash.
/// </summary>
public static class Targets
{
    /// <summary>The loader and verifier on an ELF object: only their own exceptions may come out.</summary>
    public static void Elf(byte[] bytes)
    {
        try
        {
            Vm.Load(ElfLoader.Load(bytes, Profile.Tbpf, FuzzSyscalls.For(Profile.Tbpf)));
        }
        catch (Exception exception) when (exception is ElfException or VerifierException)
        {
            // The promised refusals.
        }
    }

    /// <summary>The verifier on raw bytecode (the first byte picks the profile): only <see cref="VerifierException"/>.</summary>
    public static void Verify(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return;
        }

        var profile = (bytes[0] & 1) == 0 ? Profile.Tbpf : Profile.Rfc9669;
        try
        {
            Vm.Load(Executable.FromBytecode(bytes[1..], profile, FuzzSyscalls.For(profile)));
        }
        catch (VerifierException)
        {
            // The promised refusal.
        }
    }

    /// <summary>Bytecode the verifier accepts runs on the interpreter and the JIT with the same observables; a
    /// disagreement is thrown.</summary>
    public static void Differential(byte[] bytes)
    {
        if (bytes.Length < 2 || !DifferentialRunner.JitAvailable)
        {
            return;
        }

        var profile = (bytes[0] & 1) == 0 ? Profile.Tbpf : Profile.Rfc9669;
        VerifiedExecutable program;
        try
        {
            program = Vm.Load(Executable.FromBytecode(bytes[1..], profile, FuzzSyscalls.For(profile)));
        }
        catch (VerifierException)
        {
            return;
        }

        var runner = new DifferentialRunner(profile);
        var expected = runner.Interpret(program, [1, 2, 3, 4], 10_000, out _);
        using var compiled = JitProgram.Compile(program, new JitOptions(Seed: bytes.Length));
        var actual = runner.Compiled(compiled, [1, 2, 3, 4], 10_000);
        if (expected.Differences(actual).Any())
        {
            throw new InvalidOperationException($"the engines differ:\ninterpreter: {expected}\njit: {actual}");
        }
    }
}
