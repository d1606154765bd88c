namespace Tos.Tbpf.Payloads;

/// <summary>Why a payload could not be read.</summary>
public enum PayloadErrorKind
{
    /// <summary>The bytes end before the payload does.</summary>
    Truncated,
    /// <summary>A length is above its limit (checked before anything is allocated).</summary>
    TooLarge,
    /// <summary>A field holds a value the format does not allow (an unknown tag, a duplicate deposit, a bad name…).</summary>
    Invalid,
    /// <summary>Bytes follow the end of the payload.</summary>
    TrailingBytes,
}

/// <summary>A payload that is not well formed: its kind, the byte offset where reading stopped, and the reason.</summary>
public sealed class PayloadException(PayloadErrorKind kind, int offset, string message)
    : Exception($"{kind} at byte {offset}: {message}")
{
    /// <summary>What is wrong.</summary>
    public PayloadErrorKind Kind { get; } = kind;

    /// <summary>The offset of the field that is wrong.</summary>
    public int Offset { get; } = offset;
}
