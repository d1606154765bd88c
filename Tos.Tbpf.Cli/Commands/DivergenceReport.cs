namespace Tos.Tbpf.Cli.Commands;

/// <summary>How every command that ran both engines tells the user that they disagreed.</summary>
internal static class DivergenceReport
{
    /// <summary>Prints both engines' outcomes and each difference to stderr and returns the divergence exit code.</summary>
    public static int Print(string heading, string interpreter, string jit, IEnumerable<string> differences)
    {
        Console.Error.WriteLine($"DIVERGENCE between the interpreter and the JIT{heading}:");
        Console.Error.WriteLine($"  interpreter: {interpreter}");
        Console.Error.WriteLine($"  jit:         {jit}");
        foreach (var difference in differences)
        {
            Console.Error.WriteLine($"  {difference}");
        }

        return ExitCodes.Divergence;
    }
}
