using Tos.Tbpf.Jit;

namespace Tos.Tbpf.Bench;

/// <summary>The engine configurations the benchmarks compare.</summary>
public static class EngineVariant
{
    public const string Interpreter = "interpreter";
    public const string Jit = "jit";
    public const string JitUnmetered = "jit-no-meter";
    public const string JitUnhardened = "jit-no-hardening";
    public const string JitPlain = "jit-plain";

    public static IEnumerable<string> All => [Interpreter, Jit, JitUnmetered, JitUnhardened, JitPlain];

    public static IEngine Create(string name) => name switch
    {
        Interpreter => Engines.Interpreter,
        Jit => Engines.Get(EngineKind.Jit),
        JitUnmetered => Engines.CreateJit(new JitOptions(Metering: false)),
        JitUnhardened => Engines.CreateJit(new JitOptions(BlindConstants: false, NopInsertion: false)),
        JitPlain => Engines.CreateJit(new JitOptions(Metering: false, BlindConstants: false, NopInsertion: false)),
        _ => throw new ArgumentException($"unknown engine variant '{name}'", nameof(name)),
    };
}
