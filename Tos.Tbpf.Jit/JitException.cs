namespace Tos.Tbpf.Jit;

/// <summary>A verified program that the JIT cannot compile (too large); the interpreter can still run it.</summary>
public sealed class JitException(string message) : Exception(message);
