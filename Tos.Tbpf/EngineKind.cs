namespace Tos.Tbpf;

/// <summary>Which engine runs a program.</summary>
public enum EngineKind
{
    /// <summary>The reference interpreter.</summary>
    Interpreter,
    /// <summary>The x86-64 JIT.</summary>
    Jit,
    /// <summary>The JIT where it exists for this host, the interpreter elsewhere.</summary>
    Auto,
}
