using Iced.Intel;
using Tos.Tbpf.Isa;
using Instruction = Tos.Tbpf.Isa.Instruction;
using Tos.Tbpf.Jit.Runtime;
using Tos.Tbpf.Programs;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>The machine code of one program and what the runtime needs to enter and interpret it.</summary>
/// <param name="Code">x86-64 code, position independent; entered at offset 0 with the context in rdi.</param>
/// <param name="InstructionOffsets">For each pc, the code offset callx lands on; -1 where it may not land.</param>
/// <param name="UnitsToEnd">For each pc, the units from it to the end of its block (see <see cref="BasicBlocks"/>).</param>
internal sealed record CompiledCode(byte[] Code, long[] InstructionOffsets, long[] UnitsToEnd);

/// <summary>
/// Compiles a verified program to x86-64 with Iced: a label per pc, the meter charged per basic block, memory
/// checked inline, slow paths emitted once per program as anchors. Split by concern into partial files.
/// </summary>
internal sealed partial class X64Compiler
{
    /// <summary>An upper bound on the bytes one eBPF instruction compiles to, with its slow-path stubs and no-ops
    /// (checked after assembly). The largest, a metered callx, takes about 210.</summary>
    public const int MaxBytesPerInstruction = 320;

    /// <summary>The largest code the JIT emits.</summary>
    public const long MaxCodeSize = 256L * 1024 * 1024;

    private readonly Assembler _a = new(64);
    private readonly Executable _executable;
    private readonly Instruction[] _code;
    private readonly Profile _profile;
    private readonly JitOptions _options;
    private readonly BasicBlocks _blocks;
    private readonly Random _random;
    private readonly Label[] _blockEntry;
    private readonly Label[] _body;
    private readonly List<Action> _deferred = [];
    private readonly Dictionary<JitStatus, Label> _anchors = [];
    private readonly bool _labelEveryInstruction;
    private Label _exit;
    private Label _exitOk;
    private int _pendingLabelAt = -1;
    private Label? _raiseWatermark;

    private X64Compiler(Executable executable, JitOptions options)
    {
        _executable = executable;
        _code = executable.Instructions;
        _profile = executable.Profile;
        _options = options;
        _blocks = new BasicBlocks(_code, executable.EntryPc);
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
        // callx may land on any instruction, so only then does every instruction need a label (and the
        // encoder its offsets); otherwise block entries are the only targets.
        _labelEveryInstruction = profileHasCodeCallx(executable) && _code.Any(i => i.Op == Op.Callx);
        _blockEntry = new Label[_code.Length];
        _body = new Label[_code.Length];
        for (var pc = 0; pc < _code.Length; pc++)
        {
            if (_blocks.IsLeader[pc])
            {
                _blockEntry[pc] = _a.CreateLabel();
            }

            if (_labelEveryInstruction)
            {
                _body[pc] = _a.CreateLabel();
            }
        }

        static bool profileHasCodeCallx(Executable executable) => executable.Profile.Callx == CallxTarget.CodeAddress;
    }

    /// <summary>Compiles <paramref name="program"/>; throws <see cref="JitException"/> when it cannot.</summary>
    public static CompiledCode Compile(VerifiedExecutable program, JitOptions options)
    {
        var bound = (long)program.Executable.Instructions.Length * MaxBytesPerInstruction + 4096;
        if (bound > MaxCodeSize)
        {
            throw new JitException($"the program's {program.Executable.Instructions.Length} slots could need {bound} bytes of code; the limit is {MaxCodeSize}");
        }

        return new X64Compiler(program.Executable, options).Emit(bound);
    }

    private CompiledCode Emit(long bound)
    {
        _exit = _a.CreateLabel("exit");
        _exitOk = _a.CreateLabel("exit_ok");
        EmitPrologue();
        for (var pc = 0; pc < _code.Length; pc++)
        {
            if (_code[pc].Op == Op.LddwTail)
            {
                continue;
            }

            EmitBlockEntry(pc);
            if (_labelEveryInstruction)
            {
                var body = _body[pc];
                Bind(ref body);
                _body[pc] = body;
            }

            InsertNops();
            EmitInstruction(pc, _code[pc]);
        }

        // Deferred stubs may themselves defer nothing; anchors come last, once per program.
        foreach (var stub in _deferred)
        {
            stub();
        }

        EmitAnchors();

        using var stream = new MemoryStream();
        var encoderOptions = _labelEveryInstruction ? BlockEncoderOptions.ReturnNewInstructionOffsets : BlockEncoderOptions.None;
        if (!_a.TryAssemble(new StreamCodeWriter(stream), 0, out var error, out var result, encoderOptions))
        {
            throw new JitException($"x86 assembly failed: {error}");
        }

        if (stream.Length > bound)
        {
            throw new JitException($"the code is {stream.Length} bytes, above its bound of {bound}");
        }

        var offsets = new long[_code.Length];
        for (var pc = 0; pc < _code.Length; pc++)
        {
            offsets[pc] = _labelEveryInstruction && _code[pc].Op != Op.LddwTail ? (long)result.GetLabelRIP(_body[pc]) : -1;
        }

        return new CompiledCode(stream.ToArray(), offsets, _blocks.UnitsToEnd);
    }

    private void EmitInstruction(int pc, Instruction ins)
    {
        switch (ins.Op)
        {
            case >= Op.Add32Imm and <= Op.Arsh64Reg:
                EmitBinaryAlu(pc, ins);
                break;
            case >= Op.Neg32 and <= Op.Bswap64:
                EmitUnaryAlu(ins);
                break;
            case Op.Lddw:
                LoadImmediate(R64[ins.Dst], ins.Imm, rax);
                break;
            case >= Op.LdxB and <= Op.StxDw:
                EmitLoadStore(pc, ins);
                break;
            case >= Op.AtomicAdd32 and <= Op.AtomicCmpXchg64:
                EmitAtomic(pc, ins);
                break;
            case >= Op.Ja and <= Op.Jsle32Reg:
                EmitJump(pc, ins);
                break;
            case Op.Call:
                EmitSyscall(pc, ins);
                break;
            case Op.CallLocal:
                EmitLocalCall(pc, _blockEntry[ins.BranchTarget(pc)]);
                break;
            case Op.Callx:
                EmitCallx(pc, ins);
                break;
            case Op.Exit:
                EmitExit();
                break;
            default:
                throw new JitException($"pc {pc}: {ins.Op} cannot be compiled (the verifier should have rejected it)");
        }
    }

    /// <summary>A slow path for the instruction at <paramref name="pc"/>: runs <paramref name="before"/>, then
    /// leaves through the anchor of <paramref name="status"/> with the pc in edx. Emitted after the main code.</summary>
    private Label Stub(JitStatus status, long pc, Action? before = null) => Deferred(() =>
    {
        before?.Invoke();
        LoadImmediate32(edx, (int)pc);
        _a.jmp(Anchor(status));
    });

    /// <summary>A label whose code is emitted after the main body, out of the hot path.</summary>
    private Label Deferred(Action body)
    {
        var label = _a.CreateLabel();
        _deferred.Add(() =>
        {
            Bind(ref label);
            body();
        });
        return label;
    }

    private Label Anchor(JitStatus status)
    {
        if (!_anchors.TryGetValue(status, out var label))
        {
            label = _a.CreateLabel(status.ToString());
            _anchors[status] = label;
        }

        return label;
    }

    /// <summary>Binds a label. Iced allows one label per instruction and some eBPF instructions emit nothing
    /// (le64, a division's join point), so a label that would share an instruction gets a zero-byte one first.</summary>
    private void Bind(ref Label label)
    {
        if (_pendingLabelAt == _a.Instructions.Count)
        {
            _a.zero_bytes();
        }

        _a.Label(ref label);
        _pendingLabelAt = _a.Instructions.Count;
    }

    private static AssemblerMemoryOperand Field(int offset) => __qword_ptr[Context + offset];
}
