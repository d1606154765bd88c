using System.Runtime.InteropServices;

namespace Tos.Tbpf.Jit.Runtime;

/// <summary>
/// The per-run state the generated code reads and writes through r15. The layout is fixed: the compiler
/// emits these offsets, so the struct is explicit and each offset is a named constant.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal unsafe struct JitContext
{
    public const int MaxRegions = 8;
    public const int RegionEntrySize = 32;

    public const int RegistersOffset = 0;        // r0..r10, spilled around syscalls and at exit
    public const int RemainingOffset = 96;       // compute units left (signed; the meter lives in r11 meanwhile)
    public const int SavedRspOffset = 104;       // rsp after the prologue: every exit path restores it
    public const int DepthOffset = 112;          // local call frames in use beyond frame 0
    public const int StatusOffset = 120;         // JitStatus
    public const int PcOffset = 124;             // the pc an exit refers to
    public const int FaultAddressOffset = 128;   // a callx's faulting target (an access's fault address is its base register + offset)
    public const int SyscallShimOffset = 136;    // delegate* unmanaged<JitContext*, int>
    public const int CallxTableOffset = 144;     // ulong*: native address per pc, 0 where callx may not land
    public const int CallxChargeOffset = 152;    // long*: units from a pc to the end of its block
    public const int ReserveOffset = 160;        // budget units above 2^63 - 1, which the signed meter cannot hold
    public const int SyscallKeyOffset = 168;     // the key a syscall or helper call passes to the shim
    public const int TextAddressOffset = 176;    // guest address of slot 0 of the text
    public const int TextLengthOffset = 184;     // text length in bytes
    public const int ScratchOffset = 192;        // one spare word for sequences that run out of scratch registers
    public const int RegionCountOffset = 200;    // entries in the region table
    public const int StackBiasOffset = 208;      // stack host address minus the stack's guest base: host = bias + r10 + offset
    public const int ProgramStartOffset = 216;   // the program region's first mapped offset (a V0 Solana .so's first section)
    public const int Scratch2Offset = 224;       // two more spare words, for the window-miss routine
    public const int Scratch3Offset = 232;
    public const int LoopSpareOffset = 240;      // a counted loop's borrowed register, while it holds the host offset
    public const int RegionsOffset = 256;        // RegionEntry[MaxRegions]
    // Per region: host address, loadable length, the store watermark the fast path compares against (stores below it
    // need no bookkeeping), and the store limit (the length if writable, else 0) that the slow path grows it up to.
    public const int RegionHostOffset = 0, RegionLoadLengthOffset = 8, RegionWatermarkOffset = 16, RegionStoreLimitOffset = 24;
    public const int WindowsOffset = RegionsOffset + MaxRegions * RegionEntrySize;

    // Access windows (see X64Compiler.EmitTranslate): per base register r0–r10 and direction (load, store) two windows,
    // the most recently filled first. A window is the guest address of a range known to be accessible, its host address,
    // and for each access size (1, 2, 4, 8) how many accesses of that size start in it. A zeroed context has every window
    // empty.
    public const int WindowEntrySize = 48, WindowCount = 44;
    public const int WindowLowOffset = 0, WindowHostOffset = 8, WindowSpansOffset = 16;
    public const int Size = WindowsOffset + WindowCount * WindowEntrySize;

    /// <summary>Where in a window the span for accesses of <paramref name="size"/> bytes is.</summary>
    public static int WindowSpanOffset(int size) => WindowSpansOffset + System.Numerics.BitOperations.Log2((uint)size) * 8;

    /// <summary>The context offset of the first of the two windows accesses through <paramref name="register"/> use; the
    /// second follows it.</summary>
    public static int WindowOffset(int register, bool store) => WindowsOffset + (register * 2 + (store ? 1 : 0)) * 2 * WindowEntrySize;

    [FieldOffset(RegistersOffset)] public fixed ulong Registers[11];
    [FieldOffset(RemainingOffset)] public long Remaining;
    [FieldOffset(SavedRspOffset)] public nint SavedRsp;
    [FieldOffset(DepthOffset)] public long Depth;
    [FieldOffset(StatusOffset)] public JitStatus Status;
    [FieldOffset(PcOffset)] public int Pc;
    [FieldOffset(FaultAddressOffset)] public ulong FaultAddress;
    [FieldOffset(SyscallShimOffset)] public nint SyscallShim;
    [FieldOffset(CallxTableOffset)] public nint CallxTable;
    [FieldOffset(CallxChargeOffset)] public nint CallxCharge;
    [FieldOffset(ReserveOffset)] public ulong Reserve;
    [FieldOffset(SyscallKeyOffset)] public ulong SyscallKey;
    [FieldOffset(TextAddressOffset)] public ulong TextAddress;
    [FieldOffset(TextLengthOffset)] public ulong TextLength;
    [FieldOffset(ScratchOffset)] public ulong Scratch;
    [FieldOffset(RegionCountOffset)] public long RegionCount;
    [FieldOffset(StackBiasOffset)] public ulong StackBias;
    [FieldOffset(ProgramStartOffset)] public ulong ProgramStart;
    [FieldOffset(Scratch2Offset)] public ulong Scratch2;
    [FieldOffset(Scratch3Offset)] public ulong Scratch3;
    [FieldOffset(LoopSpareOffset)] public ulong LoopSpare;
    [FieldOffset(RegionsOffset)] public fixed ulong Regions[MaxRegions * RegionEntrySize / 8];

    public void SetRegion(int index, nint host, ulong loadLength, ulong watermark, ulong storeLimit)
    {
        var at = index * RegionEntrySize / 8;
        Regions[at] = (ulong)host;
        Regions[at + 1] = loadLength;
        Regions[at + 2] = watermark;
        Regions[at + 3] = storeLimit;
    }

    /// <summary>How far stores reached in region <paramref name="index"/> (rounded up, never past its length).</summary>
    public ulong Watermark(int index) => Regions[index * RegionEntrySize / 8 + 2];
}

/// <summary>Why the generated code returned.</summary>
internal enum JitStatus
{
    Ok = 0,
    /// <summary>A block did not fit in the remaining budget: the interpreter finishes from <c>Pc</c>.</summary>
    BudgetBoundary,
    AccessViolation,
    DivideByZero,
    DivideOverflow,
    CallDepthExceeded,
    CallOutsideText,
    InvalidInstruction,
    /// <summary>A syscall failed; the managed state holds the error.</summary>
    SyscallFailed,
    /// <summary>An <see cref="Isa.Op.Trap"/> ran; its imm says why.</summary>
    Trap,
    /// <summary>A call entered the second slot of an lddw (sbpf profiles); not yet charged for it.</summary>
    LddwTailReached,
}
