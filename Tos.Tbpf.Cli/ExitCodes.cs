namespace Tos.Tbpf.Cli;

/// <summary>The exit codes of every command.</summary>
public static class ExitCodes
{
    /// <summary>The program ran to exit (or the command succeeded).</summary>
    public const int Ok = 0;

    /// <summary>The program ended with a runtime error.</summary>
    public const int RuntimeError = 1;

    /// <summary>Bad usage, or the program could not be loaded, assembled or verified.</summary>
    public const int Usage = 2;

    /// <summary><c>--engine both</c>: the interpreter and the JIT disagreed.</summary>
    public const int Divergence = 3;
}
