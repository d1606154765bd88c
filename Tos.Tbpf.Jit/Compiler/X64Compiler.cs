using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Instruction = Tos.Tbpf.Isa.Instruction;
using Tos.Tbpf.Jit.Native;
using Tos.Tbpf.Jit.Runtime;
using Tos.Tbpf.Programs;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>The machine code of one program and what the runtime needs to enter and interpret it.</summary>
/// <param name="Code">x86-64 code, mapped read-execute; entered at offset 0 with the context in rdi.</param>
/// <param name="CodeSize">The bytes of code in the mapping.</param>
/// <param name="InstructionOffsets">For each pc, the code offset callx lands on, -1 where it may not land; null when the
/// program makes no callx to code addresses (then the runtime needs no table).</param>
/// <param name="UnitsToEnd">For each pc, the units from it to the end of its metering chain (see <see cref="BasicBlocks"/>);
/// rented from the shared array pool (longer than the code), to be returned when the code is released.</param>
/// <param name="UncheckedFrameAccesses">Whether the code reaches the current stack frame without a bounds check (see
/// <c>X64Compiler.IsFrameAccess</c>): it may only run over a full standard stack region, with frame 0 counted as written.</param>
/// <param name="WindowPairs">Bit <c>register * 2 + (store ? 1 : 0)</c> is set for each pair of access windows the code
/// uses (see <c>JitContext.WindowOffset</c>): the only ones a run must start empty.</param>
internal sealed record CompiledCode(ExecutableMemory Code, int CodeSize, long[]? InstructionOffsets, int[] UnitsToEnd,
    bool UncheckedFrameAccesses = false, uint WindowPairs = 0);

/// <summary>What one pass over a program finds before it is compiled (see <c>X64Compiler.Survey</c>).</summary>
internal readonly record struct CodeSurvey(long ExpectedSize, bool HasCallx, bool HasFrameAccess);

/// <summary>
/// Compiles a verified program to x86-64 in one pass: every x86 form is encoded by Iced once per process and then
/// copied and patched (<see cref="X64Emitter"/>); the meter is charged per basic block, memory checked inline, slow
/// paths emitted after the main code and shared ones once per program as anchors. Split by concern into partial files.
/// </summary>
internal sealed partial class X64Compiler
{
    /// <summary>An upper bound on the bytes one eBPF instruction compiles to, with its slow-path stubs and no-ops
    /// (checked after assembly). The largest take well under half of it (a guarded signed division, a checked atomic).</summary>
    public const int MaxBytesPerInstruction = 320;

    /// <summary>The largest code the JIT emits.</summary>
    public const long MaxCodeSize = 256L * 1024 * 1024;

    private X64Emitter _a;   // swapped only while an instruction is recorded as a template
    private readonly Executable _executable;
    private readonly Instruction[] _code;
    private readonly Profile _profile;
    private readonly JitOptions _options;
    private readonly BasicBlocks _blocks;
    private readonly HardeningRandom _random;
    private readonly int _firstBlockLabel;   // the block entry label of pc is this id + pc (see BlockEntry)
    private readonly int _firstPastChargeLabel;   // likewise the point past a block's charge (see PastCharge)
    private readonly CodeLabel[] _anchors = new CodeLabel[(int)JitStatus.LddwTailReached + 1];   // by status; unset: not needed
    private readonly bool _labelEveryInstruction;
    private readonly bool _frameAccessesUnchecked;
    private readonly bool _programStartChecked;
    private CodeLabel _exit;
    private CodeLabel _exitOk;
    private CodeLabel? _raiseWatermark;
    private CodeLabel? _statusInEax;
    private CodeLabel? _syscallFailed;
    private readonly bool _windowed;
    private readonly CodeLabel?[] _windowMiss = new CodeLabel?[8];
    private uint _windowPairs;

    private X64Compiler(Executable executable, JitOptions options, X64Emitter emitter, bool hasCallx, bool hasFrameAccess)
    {
        _a = emitter;
        _executable = executable;
        _code = executable.Code;
        _profile = executable.Profile;
        _options = options;
        _slowPaths = new PooledList<PendingSlowPath>(_code.Length + 64);
        // A fixed seed reproduces the layout (tests).
        _random = HardeningRandom.Create(options.Seed);
        _instructionsToNop = _random.Next(1, 2 * NopRate);
        // callx may land on any instruction, so only then does every instruction need a label (and the
        // encoder its offsets); otherwise block entries are the only targets.
        _blocks = new BasicBlocks(_code, executable.EntryPc, hasCallx);
        _labelEveryInstruction = profileHasCodeCallx(executable) && hasCallx;
        // Frame accesses go unchecked unless the program has callx, whose shared call sequence does not raise the stack
        // watermark for the frame it enters.
        // With gaps between frames the stack's backing offsets are not r10's: every access goes through the translation.
        _frameAccessesUnchecked = _profile.StackFrameSize > 0 && !_profile.StackFrameGaps && !hasCallx && hasFrameAccess;
        _programStartChecked = ChecksProgramStart(executable);
        // Windows map a guest range linearly to host memory; the gapped stack and a program region mapped from an offset
        // are not linear, so those programs keep the full translation at every access.
        _windowed = _profile.StackGapShift == 0 && !_programStartChecked;
        _firstBlockLabel = _a.CreateLabels(_code.Length).Id;
        _firstPastChargeLabel = options.Metering ? _a.CreateLabels(_code.Length).Id : 0;

        FindCountedLoops();

        static bool profileHasCodeCallx(Executable executable) => executable.Profile.Callx == CallxTarget.CodeAddress;
    }

    /// <summary>Whether the code checks the program region's start (a V0 Solana .so, mapped from its first section); with
    /// the profile's stack gap shift, the holes in the memory map the code expects.</summary>
    internal static bool ChecksProgramStart(Executable executable) => executable.ProgramRegionStart != 0;

    /// <summary>When set, every compilation checks each cached encoding against a fresh one from Iced (the tests set it).</summary>
    internal static bool CrossCheckEncodings { get; set; }

    /// <summary>Compiles <paramref name="program"/>; throws <see cref="JitException"/> when it cannot.</summary>
    /// <param name="program">The verified program.</param>
    /// <param name="options">Metering and hardening.</param>
    public static CompiledCode Compile(VerifiedExecutable program, JitOptions options)
    {
        var bound = (long)program.Executable.Code.Length * MaxBytesPerInstruction + 4096;
        if (bound > MaxCodeSize)
        {
            throw new JitException($"the program's {program.Executable.Code.Length} slots could need {bound} bytes of code; the limit is {MaxCodeSize}");
        }

        // A first guess at the code size from what each instruction typically compiles to (a callx takes ten times an ALU
        // instruction): growing the buffer copies it, which for a large program of calls was a tenth of the compile.
        var survey = Survey(program.Executable.Code, program.Executable.Profile.StackFrameSize);
        var expected = (int)Math.Min(survey.ExpectedSize, MaxCodeSize);
        // A label per instruction (block entries), and about one more label, one branch and one slow path per instruction
        // (a memory access has two of each, an ALU one none).
        var perInstruction = 2 * program.Executable.Code.Length + 64;
        using var emitter = new X64Emitter(expected, CrossCheckEncodings, perInstruction);
        var compiler = new X64Compiler(program.Executable, options, emitter, survey.HasCallx, survey.HasFrameAccess);
        try
        {
            return compiler.Emit(bound);
        }
        catch
        {
            // No compiled program takes the units table: back to the pool with the others.
            System.Buffers.ArrayPool<int>.Shared.Return(compiler._blocks.UnitsToEnd);
            throw;
        }
        finally
        {
            compiler.ReturnTables();
            compiler._recorder?.Dispose();
        }
    }

    private void ReturnTables() => _blocks.Dispose();

    /// <summary>The label of the block that starts at <paramref name="pc"/> (every pc has one; only leaders are bound).</summary>
    private CodeLabel BlockEntry(long pc) => new(_firstBlockLabel + (int)pc);

    /// <summary>The label just past the meter's charge at the block that starts at <paramref name="pc"/>, bound where that
    /// charge is checked (metering on, a positive charge): where a jump that made the charge itself lands.</summary>
    private CodeLabel PastCharge(long pc) => new(_firstPastChargeLabel + (int)pc);

    /// <summary>One pass over the code before compiling: the bytes it is expected to take, whether it has a callx and
    /// whether it accesses the current stack frame at a constant offset (see <see cref="IsFrameAccess(Instruction, int)"/>).
    /// Per-opcode facts come from a table: a delegate or a row's computed property per instruction was several percent of
    /// compiling a large program.</summary>
    private static CodeSurvey Survey(Instruction[] code, int frameSize)
    {
        long bytes = 1024;
        var hasCallx = false;
        var hasFrameAccess = false;
        foreach (var ins in code)
        {
            var facts = SurveyFactsOf[(int)ins.Op];
            bytes += facts & SurveyFacts.BytesMask;
            hasCallx |= ins.Op == Op.Callx;
            hasFrameAccess = hasFrameAccess || ((facts & SurveyFacts.Access) != 0 && IsFrameAccess(ins, frameSize));
        }

        return new CodeSurvey(bytes, hasCallx, hasFrameAccess);
    }

    /// <summary>Per opcode, the bytes it typically compiles to (the low bits; a callx takes ten times an ALU instruction)
    /// and whether it is a load or store.</summary>
    private static class SurveyFacts
    {
        public const int BytesMask = 0xffff;
        public const int Access = 0x10000;
    }

    private static readonly int[] SurveyFactsOf = BuildSurveyFacts();

    private static int[] BuildSurveyFacts()
    {
        var facts = new int[Enum.GetValues<Op>().Length];
        foreach (var op in Enum.GetValues<Op>())
        {
            if (op is Op.LddwTail or Op.Invalid)
            {
                continue;
            }

            var row = OpcodeTable.Get(op);
            // With their stubs, from the instruction mixes of the compile benchmarks: an estimate short by a little costs a
            // copy of the whole buffer (a fortieth of compiling a program of syscalls), one long by a lot only address space.
            facts[(int)op] = row.Kind switch
            {
                InstructionKind.Callx => 32,
                InstructionKind.Call => 160,
                InstructionKind.CallLocal => 96,
                InstructionKind.Load or InstructionKind.Store => 56 | SurveyFacts.Access,
                InstructionKind.Atomic => 56,
                InstructionKind.BinaryAlu when row.Alu is AluOperation.Div or AluOperation.SDiv or AluOperation.Mod or AluOperation.SMod => 64,
                InstructionKind.Jump => 40,
                _ => 24,
            };
        }

        return facts;
    }

    private CompiledCode Emit(long bound)
    {
        _exit = _a.CreateLabel();
        _exitOk = _a.CreateLabel();
        var offsets = _labelEveryInstruction ? new long[_code.Length] : null;
        offsets?.AsSpan().Fill(-1);
        EmitPrologue();
        // Measurements only: moves everything after the entry sequence, which ends in a jump (the filler is never run).
        for (var i = 0; i < _options.LayoutShift; i++)
        {
            _a.nop();
        }

        List<int>? enterableTails = null;
        for (var pc = 0; pc < _code.Length; pc++)
        {
            if (_code[pc].Op == Op.LddwTail)
            {
                if (_profile.CallxEntersAnySlot)
                {
                    (enterableTails ??= []).Add(pc);
                }

                continue;
            }

            if (_blocks.IsLeader[pc])
            {
                EmitBlockEntry(pc);
            }

            if (offsets is not null)
            {
                offsets[pc] = _a.Position;
            }

            InsertNops();
            // The opcode is tested here: a call per instruction to find most are not moves was 3% of compiling.
            if (_code[pc].Op == Op.Mov64Reg && TryEmitMoveAdd(pc))
            {
                pc++;
                continue;
            }

            EmitInstruction(pc, _code[pc]);
        }

        // Under sbpf a call may enter an lddw's second slot, which then fails: out of line, as nothing falls into it.
        foreach (var tail in enterableTails ?? [])
        {
            EmitBlockEntry(tail);
            if (offsets is not null)
            {
                offsets[tail] = _a.Position;
            }

            _a.jmp(Stub(JitStatus.LddwTailReached, tail));
        }

        // The callx routines, counted loops' unchecked copies and the slow paths after the body (the routines before the
        // slow paths, as they defer some); the shared anchors come last, once per program.
        EmitCallxRoutines();
        EmitFastLoops();
        EmitSlowPaths();
        EmitAnchors();
        var code = _a.Finish();
        if (code.Length > bound)
        {
            throw new JitException($"the code is {code.Length} bytes, above its bound of {bound}");
        }

        return new CompiledCode(ExecutableMemory.Create(code), code.Length, offsets, _blocks.UnitsToEnd, _frameAccessesUnchecked, _windowPairs);
    }

    /// <summary>
    /// <c>mov64 d, s; add64 d, imm</c> (or <c>add64 d, t</c>), the way compiled C forms an address (<c>r1 = r10;
    /// r1 += -32</c>), as one <c>lea d, [s + imm]</c> (<c>[s + t]</c>). Neither instruction can fail and no flags are read
    /// after an ALU instruction, so the pair behaves the same; it is fused only when nothing can enter between them (the
    /// add starts no block and callx cannot land on it) and the immediate needs no blinding.
    /// </summary>
    private bool TryEmitMoveAdd(int pc)
    {
        if (_code[pc].Op != Op.Mov64Reg || pc + 1 >= _code.Length || _labelEveryInstruction || _blocks.IsLeader[pc + 1])
        {
            return false;
        }

        var (move, add) = (_code[pc], _code[pc + 1]);
        if (add.Dst != move.Dst || add.Op is not (Op.Add64Imm or Op.Add64Reg)
            || (add.Op == Op.Add64Imm && NeedsBlinding(add.Imm32)))
        {
            return false;
        }

        var source = R64[move.Src];
        if (add.Op == Op.Add64Imm)
        {
            _a.lea(R64[move.Dst], __[source + add.Imm32]);
        }
        else
        {
            // add d, d after mov d, s doubles s.
            _a.lea(R64[move.Dst], __[source + (add.Src == move.Dst ? source : R64[add.Src])]);
        }

        return true;
    }

    private void EmitInstruction(int pc, Instruction ins)
    {
        if (!TryEmitFromTemplate(ins))
        {
            EmitInstructionOrdinarily(pc, ins);
        }
    }

    private void EmitInstructionOrdinarily(int pc, Instruction ins)
    {
        var row = ins.Info;
        switch (row.Kind)
        {
            case InstructionKind.BinaryAlu:
                EmitBinaryAlu(pc, ins, row);
                break;
            case InstructionKind.UnaryAlu:
                EmitUnaryAlu(ins);
                break;
            case InstructionKind.LoadImm64:
                LoadImmediate(R64[ins.Dst], ins.Imm, rax);
                break;
            case InstructionKind.Load or InstructionKind.Store:
                EmitLoadStore(pc, ins, row);
                break;
            case InstructionKind.Atomic:
                EmitAtomic(pc, ins, row);
                break;
            case InstructionKind.Jump:
                EmitJump(pc, ins, row);
                break;
            case InstructionKind.Call:
                EmitSyscall(pc, ins);
                break;
            case InstructionKind.CallLocal:
                EmitLocalCall(pc, BlockEntry(ins.BranchTarget(pc)));
                break;
            case InstructionKind.Callx:
                EmitCallx(pc, ins);
                break;
            case InstructionKind.Exit:
                EmitExit();
                break;
            case InstructionKind.Trap:
                _a.jmp(Stub(JitStatus.Trap, pc));
                break;
            default:
                throw new JitException($"pc {pc}: {ins.Op} cannot be compiled (the verifier should have rejected it)");
        }
    }

    private CodeLabel Anchor(JitStatus status)
    {
        ref var label = ref _anchors[(int)status];
        if (!label.IsValid)
        {
            label = _a.CreateLabel();
        }

        return label;
    }

    private static Mem Field(int offset) => __qword_ptr[Context + offset];

    // Iced's address syntax, producing the emitter's sized operands (these names hide Iced's own).
    private static readonly MemoryPointer __ = new(OperandSize.Unsized);
    private static readonly MemoryPointer __byte_ptr = new(OperandSize.Byte);
    private static readonly MemoryPointer __word_ptr = new(OperandSize.Word);
    private static readonly MemoryPointer __dword_ptr = new(OperandSize.Dword);
    private static readonly MemoryPointer __qword_ptr = new(OperandSize.Qword);
}
