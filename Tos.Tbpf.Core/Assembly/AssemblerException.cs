namespace Tos.Tbpf.Assembly;

/// <summary>Assembler text that cannot be assembled; the message names the line, the column, the token and the reason.</summary>
public sealed class AssemblerException : Exception
{
    /// <summary>Creates the error for <paramref name="token"/> at <paramref name="line"/>:<paramref name="column"/> (1-based).</summary>
    public AssemblerException(int line, int column, string token, string reason)
        : base($"line {line}, column {column}{(token.Length > 0 ? $" ('{token}')" : "")}: {reason}")
    {
        Line = line;
        Column = column;
        Token = token;
        Reason = reason;
    }

    /// <summary>The 1-based line.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the offending token.</summary>
    public int Column { get; }

    /// <summary>The offending token.</summary>
    public string Token { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
