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

    /// <summary>Whether <paramref name="name"/> is a JIT variant (whose speed depends on where its code lands).</summary>
    public static bool IsJit(string name) => name != Interpreter;

    /// <summary>
    /// The code placements a JIT variant is timed at: the program's code moved by these many bytes (JitOptions.LayoutShift),
    /// spread over a cache line at residues that differ modulo 16 and 32 as well.
    /// </summary>
    public static readonly int[] LayoutShifts = [0, 17, 34, 51];

    /// <summary>The engine of <paramref name="name"/>; a JIT one with its code moved by <paramref name="layoutShift"/> bytes.</summary>
    public static IEngine Create(string name, int layoutShift = 0) => name switch
    {
        Interpreter => Engines.Interpreter,
        Jit when layoutShift == 0 => Engines.Get(EngineKind.Jit),
        Jit => Engines.CreateJit(JitOptions.Default with { LayoutShift = layoutShift }),
        JitUnmetered => Engines.CreateJit(new JitOptions(Metering: false) { LayoutShift = layoutShift }),
        JitUnhardened => Engines.CreateJit(new JitOptions(BlindConstants: false, NopInsertion: false) { LayoutShift = layoutShift }),
        JitPlain => Engines.CreateJit(new JitOptions(Metering: false, BlindConstants: false, NopInsertion: false) { LayoutShift = layoutShift }),
        _ => throw new ArgumentException($"unknown engine variant '{name}'", nameof(name)),
    };
}
