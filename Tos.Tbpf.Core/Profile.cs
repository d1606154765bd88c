using Tos.Tbpf.Isa;

namespace Tos.Tbpf;

/// <summary>What <c>call imm</c> (src = 0) names.</summary>
public enum CallEncoding
{
    /// <summary>A syscall, keyed by the Murmur3-32 hash of its name (Solana style).</summary>
    SyscallHash,
    /// <summary>A helper, keyed by its number (Linux / uBPF style).</summary>
    HelperNumber,
    /// <summary>sbpf V0: whatever src holds, the key names a syscall (Murmur3-32 of its name) or, failing that, a
    /// function of the program (Murmur3-32 of its slot number as 8 little-endian bytes; <c>entrypoint</c> by name).</summary>
    SyscallOrFunctionHash,
}

/// <summary>Which field of <c>callx</c> names its register.</summary>
public enum CallxRegisterField
{
    /// <summary>dst (RFC 9669, sbpf V3 and later).</summary>
    Dst,
    /// <summary>imm (sbpf V0).</summary>
    Imm,
}

/// <summary>Whose static rules gate a program.</summary>
public enum VerifierRules
{
    /// <summary>DESIGN §7: reserved fields zero, no r10 writes, every call and the end of the text proven.</summary>
    Tbpf,
    /// <summary>sbpf's <c>RequisiteVerifier</c>: fields an instruction does not use are ignored, dst r10 is refused
    /// for every non-store, calls and the end of the text are left to run time.</summary>
    Sbpf,
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
    /// <summary>add32, sub32 and mul32 sign-extend their 32-bit result into 64 bits (sbpf V0–V4 but V2); every other
    /// 32-bit operation zero-extends.</summary>
    public bool SignExtend32Results { get; init; }

    /// <summary>The field that names callx's register.</summary>
    public CallxRegisterField CallxRegister { get; init; }

    /// <summary>The static rules (<see cref="VerifierRules"/>).</summary>
    public VerifierRules Verification { get; init; }

    /// <summary>A call that names no registered syscall and no function is an <c>UnsupportedInstruction</c> error when
    /// it runs, not a verifier rejection (sbpf resolves calls at run time).</summary>
    public bool CallsResolvedAtRunTime { get; init; }

    /// <summary>Running past the last slot of the text is an <c>ExecutionOverrun</c> error (charged as one more
    /// instruction) rather than something the verifier forbids.</summary>
    public bool ExecutionOverrunAtRunTime { get; init; }

    /// <summary>callx as sbpf does it: the call depth is checked first, a target between slots runs the slot it falls
    /// in, and a target in the second half of an lddw enters it (which then fails as <c>UnsupportedInstruction</c>,
    /// charged as an instruction). Otherwise callx refuses a misaligned target and an lddw tail before any frame.</summary>
    public bool CallxEntersAnySlot { get; init; }

    /// <summary>Each call frame is followed by an unmapped gap of the same size (sbpf V0): frame k's r10 is
    /// <c>stack + (2k + 1) · frame size</c>, and an access that starts in a gap faults. The frame size must then be a
    /// power of two.</summary>
    public bool StackFrameGaps { get; init; }

    /// <summary>r2 holds the input's length at entry (TBPF); sbpf leaves it 0.</summary>
    public bool InputLengthInR2 { get; init; } = true;

    /// <summary>A fault at an address within a frame of the stack, or one frame below or above it, is a
    /// <c>StackAccessViolation</c> carrying the frame number, as sbpf reports it; otherwise every refused access is an
    /// <c>AccessViolation</c>.</summary>
    public bool ReportsStackAccessViolations { get; init; }

    /// <summary>A syscall's refused guest-memory access is a <c>SyscallError</c> carrying the access, as sbpf wraps every
    /// syscall failure (<c>EbpfError::SyscallError</c>); otherwise it is an <c>AccessViolation</c> at the call. Running
    /// out of budget inside a syscall is <c>ComputeBudgetExceeded</c> either way.</summary>
    public bool SyscallFaultsAreSyscallErrors { get; init; }

    /// <summary>The e_flags of the Solana <c>.so</c> files this profile loads (sBPF V0: 0, V3: 3, V4: 4), or null when it
    /// loads none.</summary>
    public uint? SbpfElfFlags { get; init; }

    /// <summary>Solana <c>.so</c> files are read by their program headers with sbpf's strict rules (SIMD-0189, V3 and
    /// later), not by their section headers with relocations (V0).</summary>
    public bool StrictElfHeaders { get; init; }

    /// <summary>The distance between consecutive frames' r10: a frame, and its gap when there are gaps.</summary>
    public int FrameStride => StackFrameGaps ? 2 * StackFrameSize : StackFrameSize;

    /// <summary>log2 of the frame size when frames have gaps (the gap is the address bit above the frame), else 0.</summary>
    public int StackGapShift => StackFrameGaps ? System.Numerics.BitOperations.Log2((uint)StackFrameSize) : 0;

    /// <summary>The largest stack a profile may ask for, so that a command-line frame size or depth cannot make every
    /// invocation allocate out of proportion.</summary>
    public const int MaxStackSize = 64 * 1024 * 1024;

    /// <summary>The most call frames a profile may have.</summary>
    public const int MaxCallDepth = 1024;

    /// <summary>Checks the frame settings: positive, a multiple of 8, a power of two with gaps, and a whole stack
    /// (with gaps: twice it) below <see cref="MaxStackSize"/>. Returns the problem, or null.</summary>
    public string? Validate()
    {
        // The JIT keeps each local call's saved registers on the host thread's stack (48 bytes a frame): the cap keeps a
        // deep recursion far from the thread's own stack limit.
        if (MaxCallFrames < 1 || MaxCallFrames > MaxCallDepth)
        {
            return $"the call depth must be between 1 and {MaxCallDepth}, not {MaxCallFrames}";
        }

        if (StackFrameSize <= 0 || StackFrameSize % 8 != 0 || StackFrameSize > 1024 * 1024)
        {
            return $"the stack frame size must be a positive multiple of 8 up to 1 MiB, not {StackFrameSize}";
        }

        if (StackFrameGaps && !System.Numerics.BitOperations.IsPow2(StackFrameSize))
        {
            return $"with stack frame gaps ({Name}) the frame size must be a power of two, not {StackFrameSize}";
        }

        return (long)StackFrameSize * MaxCallFrames * (StackFrameGaps ? 2 : 1) > MaxStackSize
            ? $"{MaxCallFrames} frames of {StackFrameSize} bytes exceed the {MaxStackSize >> 20} MiB stack limit"
            : null;
    }

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

    /// <summary>
    /// Solana's legacy sBPF V0 (sbpf's <c>SBPFVersion::V0</c>): calls by hash key to a syscall or a function, callx's
    /// register in imm, stack frames with gaps, 32-bit add/sub/mul sign-extended, writable input, sbpf's verifier rules,
    /// unresolved calls and running off the text as run-time errors. No jmp32, atomics, signed division, movsx, ldsx,
    /// bswap or gotol: sbpf does not know them (and ignores the offset of div, mod and mov).
    /// </summary>
    public static readonly Profile SbpfV0 = new(
        "sbpfv0", IsaFeatures.Base | IsaFeatures.Callx, DivisionByZeroTraps: true, SignedOverflowTraps: true,
        RejectOutOfRangeImmediates: true, CallEncoding.SyscallOrFunctionHash, CallxTarget.CodeAddress, InputWritable: true)
    {
        SignExtend32Results = true,
        CallxRegister = CallxRegisterField.Imm,
        Verification = VerifierRules.Sbpf,
        CallsResolvedAtRunTime = true,
        ExecutionOverrunAtRunTime = true,
        CallxEntersAnySlot = true,
        StackFrameGaps = true,
        InputLengthInR2 = false,
        ReportsStackAccessViolations = true,
        SyscallFaultsAreSyscallErrors = true,
        SbpfElfFlags = 0,
    };

    /// <summary>sBPF V3 (SIMD-0178 static syscalls, SIMD-0189, SIMD-0377): V0 without the gaps, with jmp32, syscalls by
    /// hash with src 0 and local calls relative with src 1, callx's register in dst.</summary>
    public static readonly Profile SbpfV3 = SbpfV0 with
    {
        Name = "sbpfv3",
        Features = IsaFeatures.Base | IsaFeatures.Jmp32 | IsaFeatures.Callx,
        Calls = CallEncoding.SyscallHash,
        CallxRegister = CallxRegisterField.Dst,
        StackFrameGaps = false,
        SbpfElfFlags = 3,
        StrictElfHeaders = true,
    };

    /// <summary>sBPF V4 (SIMD-0177): for the bytecode V3's rules; sbpf 0.23's V4 adds only the aligned memory mapping
    /// (region = top 32 bits of the address), which is how TBPF maps memory for every profile.</summary>
    public static readonly Profile SbpfV4 = SbpfV3 with { Name = "sbpfv4", SbpfElfFlags = 4 };

    /// <summary>The whole stack's backing memory: every frame, contiguous (the gaps of <see cref="StackFrameGaps"/> are
    /// only in the address space).</summary>
    public int StackSize => StackFrameSize * MaxCallFrames;

    /// <summary>True for the Solana compatibility profiles.</summary>
    public bool IsSbpf => Verification == VerifierRules.Sbpf;

    /// <summary>The presets by name, for the CLI.</summary>
    public static Profile? ByName(string name) => name.ToLowerInvariant() switch
    {
        "tbpf" => Tbpf,
        "rfc9669" => Rfc9669,
        "sbpfv0" => SbpfV0,
        "sbpfv3" => SbpfV3,
        "sbpfv4" => SbpfV4,
        _ => null,
    };

    /// <summary>The preset names, for help texts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["tbpf", "rfc9669", "sbpfv0", "sbpfv3", "sbpfv4"];
}
