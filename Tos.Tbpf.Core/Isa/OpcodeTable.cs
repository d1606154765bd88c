namespace Tos.Tbpf.Isa;

/// <summary>
/// The instruction set, one row per <see cref="Op"/> (RFC 9669 §3–5). The decoder, encoder, assembler,
/// disassembler and verifier all read this table; nothing else knows an opcode byte.
/// </summary>
public static class OpcodeTable
{
    /// <summary>The instruction classes (RFC 9669 §3.3) that the ALU and jump rows are built from; the
    /// memory rows spell their whole opcode.</summary>
    public const byte ClassAlu32 = 0x04, ClassJmp = 0x05, ClassJmp32 = 0x06, ClassAlu64 = 0x07;

    /// <summary>The source bit (RFC 9669 §3.3.1): register operand instead of imm.</summary>
    public const byte SourceReg = 0x08;

    /// <summary>The opcode byte of <c>lddw</c>, the one two-slot instruction.</summary>
    public const byte LddwCode = 0x18;

    /// <summary>The opcode byte of <c>call</c> (syscalls and local calls; src tells them apart).</summary>
    public const byte CallCode = 0x85;

    /// <summary>The opcode bytes of the byte swaps (le, be, bswap), whose width is in imm.</summary>
    public const byte LeCode = 0xd4, BeCode = 0xdc, BswapCode = 0xd7;

    private static readonly OpcodeInfo[] ByOp;
    private static readonly OpcodeInfo[][] ByCode;
    private static readonly Dictionary<string, OpcodeInfo[]> ByMnemonic;

    /// <summary>Every row, in <see cref="Op"/> order.</summary>
    public static IReadOnlyList<OpcodeInfo> All { get; }

    static OpcodeTable()
    {
        var rows = BuildRows();
        All = rows;
        ByOp = new OpcodeInfo[Enum.GetValues<Op>().Length];
        foreach (var row in rows)
        {
            ByOp[(int)row.Op] = row;
        }

        // The trap has a row (for its kind and shape) but no encoding: no opcode byte or mnemonic reaches it.
        ByOp[(int)Op.Trap] = new OpcodeInfo(Op.Trap, 0, "trap", OperandShape.None, IsaFeatures.None) { Kind = InstructionKind.Trap };

        ByCode = new OpcodeInfo[256][];
        foreach (var group in rows.GroupBy(r => r.Code))
        {
            ByCode[group.Key] = group.ToArray();
        }

        for (var code = 0; code < ByCode.Length; code++)
        {
            ByCode[code] ??= [];
        }

        ByMnemonic = rows
            .SelectMany(r => r.Aliases.Prepend(r.Mnemonic).Distinct().Select(m => (Mnemonic: m, Row: r)))
            .GroupBy(x => x.Mnemonic, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Row).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The row of a decoded operation.</summary>
    public static OpcodeInfo Get(Op op) =>
        op is Op.Invalid or Op.LddwTail ? throw new ArgumentException($"{op} has no encoding", nameof(op)) : ByOp[(int)op];

    /// <summary>The rows an assembler mnemonic may mean (several when the operands choose: imm or register).</summary>
    public static IReadOnlyList<OpcodeInfo> ForMnemonic(string mnemonic) =>
        ByMnemonic.TryGetValue(mnemonic, out var rows) ? rows : [];

    /// <summary>Finds the row for a raw slot, or null when no row matches the opcode and its discriminant.</summary>
    public static OpcodeInfo? Find(byte code, byte src, short offset, int imm)
    {
        foreach (var row in ByCode[code])
        {
            var actual = row.Discriminant switch
            {
                Discriminant.Offset => offset,
                Discriminant.Imm => imm,
                Discriminant.Src => src,
                _ => row.DiscriminantValue,
            };
            if (actual == row.DiscriminantValue)
            {
                return row;
            }
        }

        return null;
    }

    /// <summary>True when some row uses this opcode byte (whatever its discriminant).</summary>
    public static bool IsKnownCode(byte code) => ByCode[code].Length > 0;

    private static List<OpcodeInfo> BuildRows()
    {
        var rows = new List<OpcodeInfo>();
        const IsaFeatures Base = IsaFeatures.Base;

        // ALU (RFC 9669 §4.1): each operation in 32/64 bits with an imm or a register source.
        // div/mod share their opcode with sdiv/smod (offset 1), so offset discriminates those four.
        void Alu(string name, AluOperation alu, byte operation, Op imm32, Op reg32, Op imm64, Op reg64,
            IsaFeatures requires = Base, Discriminant discriminant = Discriminant.None, int offset = 0)
        {
            byte c32 = (byte)(operation | ClassAlu32), c64 = (byte)(operation | ClassAlu64);
            var binary = InstructionKind.BinaryAlu;
            rows.Add(new OpcodeInfo(imm32, c32, name + "32", OperandShape.DstImm, requires, discriminant, offset) { Kind = binary, Alu = alu });
            rows.Add(new OpcodeInfo(reg32, (byte)(c32 | SourceReg), name + "32", OperandShape.DstSrc, requires, discriminant, offset) { Kind = binary, Alu = alu });
            rows.Add(new OpcodeInfo(imm64, c64, name + "64", OperandShape.DstImm, requires, discriminant, offset, 0, name) { Kind = binary, Alu = alu, Is64 = true });
            rows.Add(new OpcodeInfo(reg64, (byte)(c64 | SourceReg), name + "64", OperandShape.DstSrc, requires, discriminant, offset, 0, name) { Kind = binary, Alu = alu, Is64 = true });
        }

        Alu("add", AluOperation.Add, 0x00, Op.Add32Imm, Op.Add32Reg, Op.Add64Imm, Op.Add64Reg);
        Alu("sub", AluOperation.Sub, 0x10, Op.Sub32Imm, Op.Sub32Reg, Op.Sub64Imm, Op.Sub64Reg);
        Alu("mul", AluOperation.Mul, 0x20, Op.Mul32Imm, Op.Mul32Reg, Op.Mul64Imm, Op.Mul64Reg);
        Alu("div", AluOperation.Div, 0x30, Op.Div32Imm, Op.Div32Reg, Op.Div64Imm, Op.Div64Reg, Base, Discriminant.Offset, 0);
        Alu("sdiv", AluOperation.SDiv, 0x30, Op.SDiv32Imm, Op.SDiv32Reg, Op.SDiv64Imm, Op.SDiv64Reg, IsaFeatures.SignedDivision, Discriminant.Offset, 1);
        Alu("or", AluOperation.Or, 0x40, Op.Or32Imm, Op.Or32Reg, Op.Or64Imm, Op.Or64Reg);
        Alu("and", AluOperation.And, 0x50, Op.And32Imm, Op.And32Reg, Op.And64Imm, Op.And64Reg);
        Alu("lsh", AluOperation.Lsh, 0x60, Op.Lsh32Imm, Op.Lsh32Reg, Op.Lsh64Imm, Op.Lsh64Reg);
        Alu("rsh", AluOperation.Rsh, 0x70, Op.Rsh32Imm, Op.Rsh32Reg, Op.Rsh64Imm, Op.Rsh64Reg);
        Alu("mod", AluOperation.Mod, 0x90, Op.Mod32Imm, Op.Mod32Reg, Op.Mod64Imm, Op.Mod64Reg, Base, Discriminant.Offset, 0);
        Alu("smod", AluOperation.SMod, 0x90, Op.SMod32Imm, Op.SMod32Reg, Op.SMod64Imm, Op.SMod64Reg, IsaFeatures.SignedDivision, Discriminant.Offset, 1);
        Alu("xor", AluOperation.Xor, 0xa0, Op.Xor32Imm, Op.Xor32Reg, Op.Xor64Imm, Op.Xor64Reg);
        Alu("arsh", AluOperation.Arsh, 0xc0, Op.Arsh32Imm, Op.Arsh32Reg, Op.Arsh64Imm, Op.Arsh64Reg);

        // mov shares its opcode with movsx (offset 8/16/32, RFC 9669 §4.1.1), so offset 0 discriminates.
        const InstructionKind Binary = InstructionKind.BinaryAlu, Unary = InstructionKind.UnaryAlu;
        rows.Add(new OpcodeInfo(Op.Mov32Imm, 0xb4, "mov32", OperandShape.DstImm, Base) { Kind = Binary, Alu = AluOperation.Mov });
        rows.Add(new OpcodeInfo(Op.Mov32Reg, 0xbc, "mov32", OperandShape.DstSrc, Base, Discriminant.Offset, 0) { Kind = Binary, Alu = AluOperation.Mov });
        rows.Add(new OpcodeInfo(Op.Mov64Imm, 0xb7, "mov64", OperandShape.DstImm, Base, Discriminant.None, 0, 0, "mov") { Kind = Binary, Alu = AluOperation.Mov, Is64 = true });
        rows.Add(new OpcodeInfo(Op.Mov64Reg, 0xbf, "mov64", OperandShape.DstSrc, Base, Discriminant.Offset, 0, 0, "mov") { Kind = Binary, Alu = AluOperation.Mov, Is64 = true });
        rows.Add(new OpcodeInfo(Op.MovSx8To32, 0xbc, "movsx832", OperandShape.DstSrc, IsaFeatures.SignExtension, Discriminant.Offset, 8) { Kind = Unary });
        rows.Add(new OpcodeInfo(Op.MovSx16To32, 0xbc, "movsx1632", OperandShape.DstSrc, IsaFeatures.SignExtension, Discriminant.Offset, 16) { Kind = Unary });
        rows.Add(new OpcodeInfo(Op.MovSx8To64, 0xbf, "movsx864", OperandShape.DstSrc, IsaFeatures.SignExtension, Discriminant.Offset, 8) { Kind = Unary, Is64 = true });
        rows.Add(new OpcodeInfo(Op.MovSx16To64, 0xbf, "movsx1664", OperandShape.DstSrc, IsaFeatures.SignExtension, Discriminant.Offset, 16) { Kind = Unary, Is64 = true });
        rows.Add(new OpcodeInfo(Op.MovSx32To64, 0xbf, "movsx3264", OperandShape.DstSrc, IsaFeatures.SignExtension, Discriminant.Offset, 32) { Kind = Unary, Is64 = true });

        rows.Add(new OpcodeInfo(Op.Neg32, 0x84, "neg32", OperandShape.Dst, Base) { Kind = Unary });
        rows.Add(new OpcodeInfo(Op.Neg64, 0x87, "neg64", OperandShape.Dst, Base, Discriminant.None, 0, 0, "neg") { Kind = Unary, Is64 = true });

        // Byte swaps (RFC 9669 §4.2): the width is in imm; ALU64 class is the unconditional bswap.
        void Swap(Op op, byte code, string name, int width, IsaFeatures requires, params string[] aliases) =>
            rows.Add(new OpcodeInfo(op, code, name + width, OperandShape.Dst, requires, Discriminant.Imm, width, 0,
                aliases.Select(a => a + width).ToArray()) { Kind = Unary, Is64 = width == 64 });
        Swap(Op.Le16, LeCode, "le", 16, Base);
        Swap(Op.Le32, LeCode, "le", 32, Base);
        Swap(Op.Le64, LeCode, "le", 64, Base);
        Swap(Op.Be16, BeCode, "be", 16, Base);
        Swap(Op.Be32, BeCode, "be", 32, Base);
        Swap(Op.Be64, BeCode, "be", 64, Base);
        Swap(Op.Bswap16, BswapCode, "bswap", 16, IsaFeatures.ByteSwap, "swap");
        Swap(Op.Bswap32, BswapCode, "bswap", 32, IsaFeatures.ByteSwap, "swap");
        Swap(Op.Bswap64, BswapCode, "bswap", 64, IsaFeatures.ByteSwap, "swap");

        // Loads and stores (RFC 9669 §5): size bits W=0x00, H=0x08, B=0x10, DW=0x18.
        rows.Add(new OpcodeInfo(Op.Lddw, LddwCode, "lddw", OperandShape.DstImm64, Base) { Kind = InstructionKind.LoadImm64, Is64 = true });
        void Memory(Op op, byte code, string name, OperandShape shape, int size, IsaFeatures requires = Base) =>
            rows.Add(new OpcodeInfo(op, code, name, shape, requires, Discriminant.None, 0, size)
                { Kind = shape == OperandShape.Load ? InstructionKind.Load : InstructionKind.Store });
        Memory(Op.LdxB, 0x71, "ldxb", OperandShape.Load, 1);
        Memory(Op.LdxH, 0x69, "ldxh", OperandShape.Load, 2);
        Memory(Op.LdxW, 0x61, "ldxw", OperandShape.Load, 4);
        Memory(Op.LdxDw, 0x79, "ldxdw", OperandShape.Load, 8);
        Memory(Op.LdxSB, 0x91, "ldxsb", OperandShape.Load, 1, IsaFeatures.SignExtension);
        Memory(Op.LdxSH, 0x89, "ldxsh", OperandShape.Load, 2, IsaFeatures.SignExtension);
        Memory(Op.LdxSW, 0x81, "ldxsw", OperandShape.Load, 4, IsaFeatures.SignExtension);
        Memory(Op.StB, 0x72, "stb", OperandShape.StoreImm, 1);
        Memory(Op.StH, 0x6a, "sth", OperandShape.StoreImm, 2);
        Memory(Op.StW, 0x62, "stw", OperandShape.StoreImm, 4);
        Memory(Op.StDw, 0x7a, "stdw", OperandShape.StoreImm, 8);
        Memory(Op.StxB, 0x73, "stxb", OperandShape.StoreReg, 1);
        Memory(Op.StxH, 0x6b, "stxh", OperandShape.StoreReg, 2);
        Memory(Op.StxW, 0x63, "stxw", OperandShape.StoreReg, 4);
        Memory(Op.StxDw, 0x7b, "stxdw", OperandShape.StoreReg, 8);

        // Atomics (RFC 9669 §5.3): STX class, ATOMIC mode; imm selects the operation, 0x01 = fetch.
        void Atomic(Op op32, Op op64, string name, AtomicOperation operation, int imm)
        {
            rows.Add(new OpcodeInfo(op32, 0xc3, $"lock {name}32", OperandShape.StoreReg, IsaFeatures.Atomics, Discriminant.Imm, imm, 4)
                { Kind = InstructionKind.Atomic, Atomic = operation });
            rows.Add(new OpcodeInfo(op64, 0xdb, $"lock {name}64", OperandShape.StoreReg, IsaFeatures.Atomics, Discriminant.Imm, imm, 8,
                $"lock {name}") { Kind = InstructionKind.Atomic, Atomic = operation, Is64 = true });
        }
        Atomic(Op.AtomicAdd32, Op.AtomicAdd64, "add", AtomicOperation.Add, 0x00);
        Atomic(Op.AtomicOr32, Op.AtomicOr64, "or", AtomicOperation.Or, 0x40);
        Atomic(Op.AtomicAnd32, Op.AtomicAnd64, "and", AtomicOperation.And, 0x50);
        Atomic(Op.AtomicXor32, Op.AtomicXor64, "xor", AtomicOperation.Xor, 0xa0);
        Atomic(Op.AtomicFetchAdd32, Op.AtomicFetchAdd64, "fetch add", AtomicOperation.FetchAdd, 0x01);
        Atomic(Op.AtomicFetchOr32, Op.AtomicFetchOr64, "fetch or", AtomicOperation.FetchOr, 0x41);
        Atomic(Op.AtomicFetchAnd32, Op.AtomicFetchAnd64, "fetch and", AtomicOperation.FetchAnd, 0x51);
        Atomic(Op.AtomicFetchXor32, Op.AtomicFetchXor64, "fetch xor", AtomicOperation.FetchXor, 0xa1);
        Atomic(Op.AtomicXchg32, Op.AtomicXchg64, "xchg", AtomicOperation.Xchg, 0xe1);
        Atomic(Op.AtomicCmpXchg32, Op.AtomicCmpXchg64, "cmpxchg", AtomicOperation.CmpXchg, 0xf1);

        // Jumps (RFC 9669 §4.3): JMP compares 64 bits, JMP32 the low 32 bits.
        const InstructionKind Jump = InstructionKind.Jump;
        rows.Add(new OpcodeInfo(Op.Ja, 0x05, "ja", OperandShape.Jump, Base) { Kind = Jump, Condition = JumpCondition.Always });
        rows.Add(new OpcodeInfo(Op.Ja32, 0x06, "ja32", OperandShape.JumpLong, IsaFeatures.LongJump, Discriminant.None, 0, 0, "gotol")
            { Kind = Jump, Condition = JumpCondition.Always });
        void Branch(string name, JumpCondition condition, byte operation, Op imm64, Op reg64, Op imm32, Op reg32)
        {
            rows.Add(new OpcodeInfo(imm64, (byte)(operation | ClassJmp), name, OperandShape.JumpImm, Base, Discriminant.None, 0, 0, name + "64")
                { Kind = Jump, Condition = condition, Is64 = true });
            rows.Add(new OpcodeInfo(reg64, (byte)(operation | ClassJmp | SourceReg), name, OperandShape.JumpReg, Base, Discriminant.None, 0, 0, name + "64")
                { Kind = Jump, Condition = condition, Is64 = true });
            rows.Add(new OpcodeInfo(imm32, (byte)(operation | ClassJmp32), name + "32", OperandShape.JumpImm, IsaFeatures.Jmp32)
                { Kind = Jump, Condition = condition });
            rows.Add(new OpcodeInfo(reg32, (byte)(operation | ClassJmp32 | SourceReg), name + "32", OperandShape.JumpReg, IsaFeatures.Jmp32)
                { Kind = Jump, Condition = condition });
        }
        Branch("jeq", JumpCondition.Eq, 0x10, Op.Jeq64Imm, Op.Jeq64Reg, Op.Jeq32Imm, Op.Jeq32Reg);
        Branch("jgt", JumpCondition.Gt, 0x20, Op.Jgt64Imm, Op.Jgt64Reg, Op.Jgt32Imm, Op.Jgt32Reg);
        Branch("jge", JumpCondition.Ge, 0x30, Op.Jge64Imm, Op.Jge64Reg, Op.Jge32Imm, Op.Jge32Reg);
        Branch("jset", JumpCondition.Set, 0x40, Op.Jset64Imm, Op.Jset64Reg, Op.Jset32Imm, Op.Jset32Reg);
        Branch("jne", JumpCondition.Ne, 0x50, Op.Jne64Imm, Op.Jne64Reg, Op.Jne32Imm, Op.Jne32Reg);
        Branch("jsgt", JumpCondition.SGt, 0x60, Op.Jsgt64Imm, Op.Jsgt64Reg, Op.Jsgt32Imm, Op.Jsgt32Reg);
        Branch("jsge", JumpCondition.SGe, 0x70, Op.Jsge64Imm, Op.Jsge64Reg, Op.Jsge32Imm, Op.Jsge32Reg);
        Branch("jlt", JumpCondition.Lt, 0xa0, Op.Jlt64Imm, Op.Jlt64Reg, Op.Jlt32Imm, Op.Jlt32Reg);
        Branch("jle", JumpCondition.Le, 0xb0, Op.Jle64Imm, Op.Jle64Reg, Op.Jle32Imm, Op.Jle32Reg);
        Branch("jslt", JumpCondition.SLt, 0xc0, Op.Jslt64Imm, Op.Jslt64Reg, Op.Jslt32Imm, Op.Jslt32Reg);
        Branch("jsle", JumpCondition.SLe, 0xd0, Op.Jsle64Imm, Op.Jsle64Reg, Op.Jsle32Imm, Op.Jsle32Reg);

        rows.Add(new OpcodeInfo(Op.Call, CallCode, "call", OperandShape.Call, Base, Discriminant.Src, 0) { Kind = InstructionKind.Call });
        rows.Add(new OpcodeInfo(Op.CallLocal, CallCode, "call", OperandShape.CallLocal, Base, Discriminant.Src, 1) { Kind = InstructionKind.CallLocal });
        rows.Add(new OpcodeInfo(Op.Callx, 0x8d, "callx", OperandShape.Callx, IsaFeatures.Callx) { Kind = InstructionKind.Callx });
        rows.Add(new OpcodeInfo(Op.Exit, 0x95, "exit", OperandShape.None, Base) { Kind = InstructionKind.Exit });

        rows.Sort((a, b) => a.Op.CompareTo(b.Op));
        return rows;
    }
}
