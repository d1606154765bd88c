using System.Globalization;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Assembly;

/// <summary>The output of the assembler: the instructions and where each label points.</summary>
/// <param name="Instructions">Decoded form, one per slot (lddw fused, its tail a <see cref="Op.LddwTail"/>).</param>
/// <param name="Labels">Label name → slot.</param>
public sealed record AssembledProgram(Instruction[] Instructions, IReadOnlyDictionary<string, long> Labels)
{
    /// <summary>Under an sbpf profile, the slots sbpf's assembler registers as functions: labels named
    /// <c>function_…</c> or <c>entrypoint</c>, and the targets of <c>call &lt;offset&gt;</c> (named <c>function_N</c>).
    /// Empty otherwise.</summary>
    public IReadOnlyDictionary<long, string> Functions { get; init; } = new Dictionary<long, string>();

    /// <summary>The bytecode.</summary>
    public byte[] ToBytes() => Encoder.Encode(Instructions);
}

/// <summary>
/// Assembles eBPF text in either common syntax: bpf_conformance / uBPF (<c>mov %r0, 1</c>, <c>lock fetch add32
/// [%r10-8], %r1</c>, <c>call local f</c>, <c>call 5</c>, <c>call %r2</c>, the implicit <c>exit</c> label) and
/// Solana sbpf (<c>mov64 r0, 1</c>, <c>call f</c>, <c>syscall sol_log_</c>, <c>callx r2</c>). Comments start
/// with <c>#</c>, <c>//</c> or <c>;</c>. <c>.slot 0xHEX</c> emits one raw 8-byte slot (its little-endian value).
/// </summary>
public static class Assembler
{
    private const string ImplicitExitLabel = "exit";

    /// <summary>Assembles <paramref name="source"/>; throws <see cref="AssemblerException"/> naming the first error.</summary>
    public static AssembledProgram Assemble(string source) => Assemble(source, null);

    /// <summary>
    /// Assembles <paramref name="source"/> for <paramref name="profile"/>. Under an sbpf profile the text means what it
    /// means to sbpf's assembler: <c>call N</c> is a local call N slots ahead (not a helper number), <c>add64 r10, imm</c>
    /// (a stack bump the version does not have) assembles to the no-op <c>or64 r0, 0</c>, and functions are registered
    /// as sbpf registers them (<see cref="AssembledProgram.Functions"/>). <c>.fill N, VALUE</c> emits N raw slots of the
    /// 64-bit VALUE under every profile.
    /// </summary>
    public static AssembledProgram Assemble(string source, Profile? profile)
    {
        var sbpf = profile?.IsSbpf == true;
        var lines = Parse(source);
        var labels = CollectLabels(lines);
        var functions = new Dictionary<long, string>();
        if (sbpf)
        {
            functions[labels.GetValueOrDefault("entrypoint")] = "entrypoint";
            foreach (var (name, pc) in labels.Where(l => l.Key.StartsWith("function_", StringComparison.Ordinal)))
            {
                functions.TryAdd(pc, name);
            }
        }

        var output = new List<Instruction>();
        foreach (var line in lines.Where(l => l.Mnemonic is not null))
        {
            if (line.Mnemonic!.Text == ".fill")
            {
                var (count, value) = FillOperands(line);
                for (var i = 0; i < count; i++)
                {
                    output.Add(RawSlot(value));
                }

                continue;
            }

            var emitted = Encode(line, output.Count, labels, sbpf);
            if (sbpf && emitted.Op == Op.CallLocal && line.Operands.Count == 1 && OperandReader.TryInteger(line.Operands[0].Text, out _))
            {
                functions.TryAdd(emitted.BranchTarget(output.Count), $"function_{emitted.BranchTarget(output.Count)}");
            }

            output.Add(emitted);
            if (emitted.Op == Op.Lddw)
            {
                output.Add(new Instruction(Op.LddwTail, 0, 0, 0, 0, 0));
            }
        }

        return new AssembledProgram(output.ToArray(), labels) { Functions = functions };
    }

    /// <summary>The most slots the <c>.fill</c> lines of one text may emit together: a whole 1 MiB text.</summary>
    public const int MaxFill = 1024 * 1024 / Decoder.SlotSize;

    private static (int Count, ulong Value) FillOperands(Line line)
    {
        var ops = line.Operands;
        if (ops.Count != 2 || !OperandReader.TryInteger(ops[0].Text, out var count) || count < 0 || count > MaxFill
            || !OperandReader.TryInteger(ops[1].Text, out var value) || value < long.MinValue || value > ulong.MaxValue)
        {
            throw new AssemblerException(line.Number, line.Mnemonic!.Column, ".fill",
                $"expected '.fill COUNT, VALUE' with COUNT in 0..{MaxFill} and a 64-bit VALUE");
        }

        return ((int)count, value < 0 ? unchecked((ulong)(long)value) : (ulong)value);
    }

    // A raw slot, whatever it holds (even an lddw opcode or garbage): the verifier judges it later.
    private static Instruction RawSlot(ulong value) =>
        new(Op.Invalid, (byte)value, (byte)((value >> 8) & 0xf), (byte)((value >> 12) & 0xf), (short)(value >> 16), (int)(value >> 32));

    /// <summary>Assembles and encodes in one step.</summary>
    public static byte[] AssembleBytes(string source) => Assemble(source).ToBytes();

    private sealed record Token(string Text, int Column);

    private sealed record Line(int Number, List<Token> Labels, Token? Mnemonic, List<Token> Operands, long Pc);

    private static List<Line> Parse(string source)
    {
        var result = new List<Line>();
        long pc = 0;
        long filled = 0;
        var number = 0;
        foreach (var rawLine in source.Split('\n'))
        {
            number++;
            var text = StripComment(rawLine.TrimEnd('\r'));
            var labels = new List<Token>();
            var position = 0;
            // Leading "name:" labels, possibly followed by an instruction on the same line.
            while (true)
            {
                var start = SkipSpaces(text, position);
                var colon = text.IndexOf(':', start);
                if (colon < 0 || !IsIdentifier(text[start..colon].Trim()))
                {
                    position = start;
                    break;
                }

                labels.Add(new Token(text[start..colon].Trim(), start + 1));
                position = colon + 1;
            }

            position = SkipSpaces(text, position);
            if (position >= text.Length)
            {
                result.Add(new Line(number, labels, null, [], pc));
                continue;
            }

            var (mnemonic, rest) = ReadMnemonic(text, position);
            var operands = SplitOperands(text, rest);
            var line = new Line(number, labels, mnemonic, operands, pc);
            result.Add(line);
            if (mnemonic.Text == ".fill")
            {
                // Every other line makes at most two slots; .fill's count is capped in all, so that a short text cannot
                // ask for more than a whole program's worth of slots.
                filled += FillOperands(line).Count;
                if (filled > MaxFill)
                {
                    throw new AssemblerException(number, mnemonic.Column, ".fill", $"the .fill lines ask for more than {MaxFill} slots in all");
                }
            }

            pc += mnemonic.Text switch
            {
                "lddw" => 2,
                ".fill" => FillOperands(line).Count,
                _ => 1,
            };
        }

        return result;
    }

    private static Dictionary<string, long> CollectLabels(List<Line> lines)
    {
        var labels = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            foreach (var label in line.Labels)
            {
                if (!labels.TryAdd(label.Text, line.Pc))
                {
                    throw new AssemblerException(line.Number, label.Column, label.Text,
                        $"label defined twice (first at slot {labels[label.Text]})");
                }
            }
        }

        // bpf_conformance: a jump to "exit" that no label defines goes to the first exit instruction.
        if (!labels.ContainsKey(ImplicitExitLabel)
            && lines.FirstOrDefault(l => l.Mnemonic?.Text == "exit") is { } firstExit)
        {
            labels[ImplicitExitLabel] = firstExit.Pc;
        }

        return labels;
    }

    private static Instruction Encode(Line line, long pc, IReadOnlyDictionary<string, long> labels, bool sbpf)
    {
        var mnemonic = line.Mnemonic!;
        var ops = line.Operands;
        var context = new OperandReader(line.Number, mnemonic, ops, labels, pc);
        switch (mnemonic.Text)
        {
            case ".slot":
                context.Expect(1);
                return DecodeRawSlot(context.RawSlot(0), line.Number, ops[0]);
            case "syscall":
                context.Expect(1);
                return Encoder.Make(Op.Call, imm: unchecked((int)Murmur3.HashName(context.Identifier(0))));
            case "call" when sbpf && context.Count == 1 && !context.IsRegister(0):
                // sbpf: "call N" and "call label" are local calls (a syscall is "syscall name").
                return Encoder.Make(Op.CallLocal, imm: context.Target(0));
            case "call":
                return EncodeCall(context);
            case "add" or "add64" when sbpf && context.Count == 2 && context.IsRegister(0) && context.Register(0) == 10
                && !context.IsRegister(1):
                // The stack bump exists only in sbpf V1/V2; sbpf's assembler writes a no-op for the other versions.
                return Encoder.Make(Op.Or64Imm);
            case "callx":
                context.Expect(1);
                return Encoder.Make(Op.Callx, dst: context.Register(0));
        }

        var rows = OpcodeTable.ForMnemonic(mnemonic.Text);
        if (rows.Count == 0)
        {
            throw new AssemblerException(line.Number, mnemonic.Column, mnemonic.Text, "unknown mnemonic");
        }

        var row = ChooseRow(rows, context);
        var slot = context.Encode(row);
        return slot;
    }

    private static Instruction EncodeCall(OperandReader context)
    {
        // call local NAME | call helper N | call %rN | call NAME (label) | call N (syscall key or helper number)
        if (context.Count == 2)
        {
            return context.Word(0) switch
            {
                "local" => Encoder.Make(Op.CallLocal, imm: context.Target(1)),
                "helper" => Encoder.Make(Op.Call, imm: context.Imm32(1)),
                _ => throw context.Error(0, "expected 'local' or 'helper' before the call target"),
            };
        }

        context.Expect(1);
        if (context.IsRegister(0))
        {
            return Encoder.Make(Op.Callx, dst: context.Register(0));
        }

        return context.IsNumber(0)
            ? Encoder.Make(Op.Call, imm: context.Imm32(0))
            : Encoder.Make(Op.CallLocal, imm: context.Target(0));
    }

    private static OpcodeInfo ChooseRow(IReadOnlyList<OpcodeInfo> rows, OperandReader context)
    {
        if (rows.Count == 1)
        {
            return rows[0];
        }

        // Rows that share a mnemonic differ only by imm vs register in the second operand.
        var registerSource = context.Count >= 2 && context.IsRegister(1);
        return rows.FirstOrDefault(r => r.Shape is OperandShape.DstSrc or OperandShape.JumpReg == registerSource)
            ?? rows[0];
    }

    private static Instruction DecodeRawSlot(ulong raw, int line, Token token)
    {
        Span<byte> bytes = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, raw);
        if (bytes[0] == OpcodeTable.LddwCode)
        {
            throw new AssemblerException(line, token.Column, token.Text, "an lddw needs two slots; write it as lddw (or .fill)");
        }

        // Kept raw, never rewritten for a profile (as sbpf V0's calls and callx are): the slot is what the text says.
        return RawSlot(raw);
    }

    private static (Token Mnemonic, int End) ReadMnemonic(string text, int position)
    {
        var (word, end) = ReadWord(text, position);
        if (word != "lock")
        {
            return (new Token(word.ToLowerInvariant(), position + 1), end);
        }

        // "lock [fetch] op": the atomic's mnemonic is several words.
        var words = new List<string> { "lock" };
        var next = SkipSpaces(text, end);
        var (second, afterSecond) = ReadWord(text, next);
        words.Add(second);
        end = afterSecond;
        if (second == "fetch")
        {
            var (third, afterThird) = ReadWord(text, SkipSpaces(text, afterSecond));
            words.Add(third);
            end = afterThird;
        }

        return (new Token(string.Join(' ', words).ToLowerInvariant(), position + 1), end);
    }

    private static (string Word, int End) ReadWord(string text, int position)
    {
        var end = position;
        while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] != ',')
        {
            end++;
        }

        return (text[position..end], end);
    }

    private static List<Token> SplitOperands(string text, int position)
    {
        var operands = new List<Token>();
        var start = position;
        for (var i = position; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ',')
            {
                var part = text[start..i];
                var trimmed = part.Trim();
                if (trimmed.Length > 0 || i < text.Length)
                {
                    // "call local f": words without commas are separate operands too.
                    var column = start + part.Length - part.TrimStart().Length + 1;
                    foreach (var (word, offset) in SplitWords(trimmed))
                    {
                        operands.Add(new Token(word, column + offset));
                    }

                    if (trimmed.Length == 0)
                    {
                        operands.Add(new Token("", column));
                    }
                }

                start = i + 1;
            }
        }

        return operands;
    }

    private static IEnumerable<(string Word, int Offset)> SplitWords(string operand)
    {
        // A memory operand may contain spaces ("[r1 + 8]"); keep it whole.
        if (operand.StartsWith('['))
        {
            yield return (operand, 0);
            yield break;
        }

        var i = 0;
        while (i < operand.Length)
        {
            while (i < operand.Length && char.IsWhiteSpace(operand[i]))
            {
                i++;
            }

            var start = i;
            while (i < operand.Length && !char.IsWhiteSpace(operand[i]))
            {
                i++;
            }

            if (i > start)
            {
                yield return (operand[start..i], start);
            }
        }
    }

    private static string StripComment(string line)
    {
        var cut = line.Length;
        foreach (var marker in new[] { "#", "//", ";" })
        {
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0 && at < cut)
            {
                cut = at;
            }
        }

        return line[..cut];
    }

    private static int SkipSpaces(string text, int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }

        return position;
    }

    internal static bool IsIdentifier(string text) =>
        text.Length > 0 && (char.IsLetter(text[0]) || text[0] is '_' or '.')
        && text.All(c => char.IsLetterOrDigit(c) || c is '_' or '.');

    /// <summary>Reads the operands of one line, each error naming its token.</summary>
    private sealed class OperandReader(
        int line, Token mnemonic, List<Token> operands, IReadOnlyDictionary<string, long> labels, long pc)
    {
        public int Count => operands.Count;

        public AssemblerException Error(int index, string reason) =>
            new(line, operands[index].Column, operands[index].Text, reason);

        public void Expect(int count)
        {
            if (operands.Count != count)
            {
                throw new AssemblerException(line, mnemonic.Column, mnemonic.Text,
                    $"expects {count} operand(s), found {operands.Count}");
            }
        }

        public string Word(int index) => operands[index].Text.ToLowerInvariant();

        public bool IsRegister(int index) => TryRegister(operands[index].Text, out _);

        public bool IsNumber(int index) => TryInteger(operands[index].Text, out _);

        public byte Register(int index)
        {
            var text = operands[index].Text;
            if (!TryRegister(text, out var number))
            {
                throw Error(index, "expected a register r0–r10");
            }

            if (number > 10)
            {
                throw Error(index, $"register r{number} does not exist (r0–r10)");
            }

            return (byte)number;
        }

        public string Identifier(int index)
        {
            var text = operands[index].Text;
            return IsIdentifier(text) ? text : throw Error(index, "expected a name");
        }

        public int Imm32(int index)
        {
            if (!TryInteger(operands[index].Text, out var value))
            {
                throw Error(index, "expected an integer");
            }

            // Hex and unsigned decimals are 32-bit patterns (0xffffffff is -1), as bpf_conformance writes them.
            if (value < int.MinValue || value > uint.MaxValue)
            {
                throw Error(index, "immediate does not fit in 32 bits");
            }

            return unchecked((int)(long)value);
        }

        public long Imm64(int index)
        {
            if (!TryInteger(operands[index].Text, out var value))
            {
                throw Error(index, "expected an integer");
            }

            if (value < long.MinValue || value > ulong.MaxValue)
            {
                throw Error(index, "immediate does not fit in 64 bits");
            }

            return value < 0 ? (long)value : unchecked((long)(ulong)value);
        }

        public ulong RawSlot(int index)
        {
            if (!TryInteger(operands[index].Text, out var value) || value < 0 || value > ulong.MaxValue)
            {
                throw Error(index, "expected the slot as a 64-bit unsigned integer");
            }

            return (ulong)value;
        }

        /// <summary>A jump or call target: a label, or a relative slot offset (+N, -N, N).</summary>
        public int Target(int index)
        {
            var text = operands[index].Text;
            if (TryInteger(text, out var relative))
            {
                return relative >= int.MinValue && relative <= int.MaxValue
                    ? (int)relative
                    : throw Error(index, "offset does not fit in 32 bits");
            }

            if (!IsIdentifier(text))
            {
                throw Error(index, "expected a label or a relative offset");
            }

            if (!labels.TryGetValue(text, out var target))
            {
                throw Error(index, "undefined label");
            }

            return checked((int)(target - pc - 1));
        }

        public short Offset16(int index, long value) =>
            value is >= short.MinValue and <= short.MaxValue ? (short)value : throw Error(index, "offset does not fit in 16 bits");

        public (byte Register, short Offset) MemoryOperand(int index)
        {
            var text = operands[index].Text;
            if (!text.StartsWith('[') || !text.EndsWith(']'))
            {
                throw Error(index, "expected a memory operand [reg+offset]");
            }

            var inner = text[1..^1].Replace(" ", "", StringComparison.Ordinal);
            var split = inner.IndexOfAny(['+', '-']);
            var registerText = split < 0 ? inner : inner[..split];
            if (!TryRegister(registerText, out var number) || number > 10)
            {
                throw Error(index, "expected a register r0–r10 inside the brackets");
            }

            long offset = 0;
            if (split >= 0)
            {
                if (!TryInteger(inner[split..], out var value))
                {
                    throw Error(index, "expected an integer offset after the register");
                }

                offset = value >= long.MinValue && value <= long.MaxValue ? (long)value : long.MaxValue;
            }

            return ((byte)number, Offset16(index, offset));
        }

        public Instruction Encode(OpcodeInfo row)
        {
            switch (row.Shape)
            {
                case OperandShape.None:
                    Expect(0);
                    return Encoder.Make(row.Op);
                case OperandShape.Dst:
                    Expect(1);
                    return Encoder.Make(row.Op, dst: Register(0));
                case OperandShape.DstImm:
                    Expect(2);
                    return Encoder.Make(row.Op, dst: Register(0), imm: Imm32(1));
                case OperandShape.DstSrc:
                    Expect(2);
                    return Encoder.Make(row.Op, dst: Register(0), src: Register(1));
                case OperandShape.DstImm64:
                    Expect(2);
                    return Encoder.Make(row.Op, dst: Register(0), imm: Imm64(1));
                case OperandShape.Load:
                {
                    Expect(2);
                    var (source, offset) = MemoryOperand(1);
                    return Encoder.Make(row.Op, dst: Register(0), src: source, offset: offset);
                }
                case OperandShape.StoreImm:
                {
                    Expect(2);
                    var (target, offset) = MemoryOperand(0);
                    return Encoder.Make(row.Op, dst: target, offset: offset, imm: Imm32(1));
                }
                case OperandShape.StoreReg:
                {
                    Expect(2);
                    var (target, offset) = MemoryOperand(0);
                    return Encoder.Make(row.Op, dst: target, src: Register(1), offset: offset);
                }
                case OperandShape.Jump:
                    Expect(1);
                    return Encoder.Make(row.Op, offset: Offset16(0, Target(0)));
                case OperandShape.JumpLong:
                    Expect(1);
                    return Encoder.Make(row.Op, imm: Target(0));
                case OperandShape.JumpImm:
                    Expect(3);
                    return Encoder.Make(row.Op, dst: Register(0), imm: Imm32(1), offset: Offset16(2, Target(2)));
                case OperandShape.JumpReg:
                    Expect(3);
                    return Encoder.Make(row.Op, dst: Register(0), src: Register(1), offset: Offset16(2, Target(2)));
                default:
                    throw new AssemblerException(line, mnemonic.Column, mnemonic.Text, "cannot be written this way");
            }
        }

        private static bool TryRegister(string text, out int number)
        {
            number = -1;
            var body = text.StartsWith('%') ? text[1..] : text;
            return body.Length >= 2 && (body[0] is 'r' or 'R')
                && int.TryParse(body.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out number)
                && number <= 15;
        }

        /// <summary>Decimal or 0x-hex, with an optional sign; as an Int128 so that range errors can be named.</summary>
        internal static bool TryInteger(string text, out Int128 value)
        {
            value = 0;
            if (text.Length == 0)
            {
                return false;
            }

            var negative = text[0] == '-';
            var body = text[0] is '-' or '+' ? text[1..] : text;
            bool ok;
            if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                ok = body.Length > 2 && body.Length <= 2 + 17 && UInt128.TryParse(body.AsSpan(2), NumberStyles.AllowHexSpecifier,
                    CultureInfo.InvariantCulture, out var hex) && hex <= ulong.MaxValue;
                value = ok ? (Int128)UInt128.Parse(body.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) : 0;
            }
            else
            {
                ok = body.Length > 0 && body.Length <= 21 && body.All(char.IsAsciiDigit)
                    && Int128.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out value);
            }

            if (ok && negative)
            {
                value = -value;
            }

            return ok;
        }
    }
}
