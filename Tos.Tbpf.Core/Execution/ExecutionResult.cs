namespace Tos.Tbpf.Execution;

/// <summary>The outcome of one run (DESIGN §5): <c>Ok(r0)</c> or an error, plus the compute units consumed.</summary>
/// <param name="R0">The value of r0 at the final <c>exit</c>; 0 after an error.</param>
/// <param name="Error">The fault, or null when the program reached <c>exit</c> in frame 0.</param>
/// <param name="ComputeUnits">Compute units consumed, including the faulting instruction.</param>
public readonly record struct ExecutionResult(ulong R0, VmError? Error, ulong ComputeUnits)
{
    /// <summary>True when the program ran to <c>exit</c>.</summary>
    public bool IsOk => Error is null;

    /// <summary>A success.</summary>
    public static ExecutionResult Ok(ulong r0, ulong computeUnits) => new(r0, null, computeUnits);

    /// <summary>A failure.</summary>
    public static ExecutionResult Fail(VmError error, ulong computeUnits) => new(0, error, computeUnits);

    /// <summary>One line for tests and tools: <c>Ok 0x2a, cu 3</c> or <c>DivideByZero at pc 2, cu 3</c>.</summary>
    public string Describe() =>
        Error is null ? $"Ok 0x{R0:x}, cu {ComputeUnits}" : $"{Error.Kind} at pc {Error.Pc}, cu {ComputeUnits}";
}
