using Tos.Tbpf.Isa;

namespace Tos.Tbpf;

/// <summary>What <c>call imm</c> (src = 0) names.</summary>
public enum CallEncoding
{
    /// <summary>A syscall, keyed by the Murmur3-32 hash of its name (Solana style).</summary>
    SyscallHash,
    /// <summary>A helper, keyed by its number (Linux / uBPF style).</summary>
    HelperNumber,
}

/// <summary>What the register of <c>callx</c> holds.</summary>
public enum CallxTarget
{
    /// <summary>A program-region address of an instruction in the text (sbpf style).</summary>
    CodeAddress,
    /// <summary>A helper number (uBPF style; what the conformance suite's <c>callx</c> test expects).</summary>
    HelperNumber,
}

/// <summary>
/// The feature switches that differ between users of eBPF (DESIGN §2). Engines, verifier, assembler and
/// loader read these switches; nothing tests a version number inline.
/// </summary>
/// <param name="Name">A short name for messages and the CLI.</param>
/// <param name="Features">Which instruction groups are accepted.</param>
/// <param name="DivisionByZeroTraps">Division or remainder by a zero register is <c>DivideByZero</c>
/// (otherwise RFC 9669: quotient 0, remainder = dividend).</param>
/// <param name="SignedOverflowTraps">Signed <c>MIN / -1</c> and <c>MIN % -1</c> are <c>DivideOverflow</c>
/// (otherwise RFC 9669: <c>MIN</c> and 0).</param>
/// <param name="RejectOutOfRangeImmediates">The verifier rejects a zero immediate divisor and an immediate
/// shift not below the operand width (otherwise they run with RFC 9669 semantics, shifts masked).</param>
/// <param name="Calls">What <c>call imm</c> names.</param>
/// <param name="Callx">What <c>callx</c>'s register holds.</param>
/// <param name="InputWritable">Whether programs may store into the input region.</param>
/// <param name="StackFrameSize">Bytes per call frame.</param>
/// <param name="MaxCallFrames">Call frames including the entry frame; one more call is <c>CallDepthExceeded</c>.</param>
public sealed record Profile(
    string Name,
    IsaFeatures Features,
    bool DivisionByZeroTraps,
    bool SignedOverflowTraps,
    bool RejectOutOfRangeImmediates,
    CallEncoding Calls,
    CallxTarget Callx,
    bool InputWritable,
    int StackFrameSize = 4096,
    int MaxCallFrames = 64)
{
    /// <summary>The TOS contract profile: every fault traps, syscalls by hash, read-only input.</summary>
    public static readonly Profile Tbpf = new(
        "tbpf", IsaFeatures.All, DivisionByZeroTraps: true, SignedOverflowTraps: true,
        RejectOutOfRangeImmediates: true, CallEncoding.SyscallHash, CallxTarget.CodeAddress, InputWritable: false);

    /// <summary>Plain RFC 9669 eBPF as the public conformance suite expects it.</summary>
    public static readonly Profile Rfc9669 = Tbpf with
    {
        Name = "rfc9669",
        DivisionByZeroTraps = false,
        SignedOverflowTraps = false,
        RejectOutOfRangeImmediates = false,
        Calls = CallEncoding.HelperNumber,
        Callx = CallxTarget.HelperNumber,
        InputWritable = true,
    };

    /// <summary>The whole stack: every frame, contiguous.</summary>
    public int StackSize => StackFrameSize * MaxCallFrames;

    /// <summary>The presets by name, for the CLI.</summary>
    public static Profile? ByName(string name) => name.ToLowerInvariant() switch
    {
        "tbpf" => Tbpf,
        "rfc9669" => Rfc9669,
        _ => null,
    };
}
