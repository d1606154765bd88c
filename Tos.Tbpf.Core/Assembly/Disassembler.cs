using System.Globalization;
using System.Text;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Assembly;

/// <summary>
/// Prints instructions in the sbpf-style syntax that <see cref="Assembler"/> reads back to the same bytes under the same
/// profile: jump and call targets become labels, syscalls known to the registry print by name, and a slot that decodes
/// to nothing, or that the text could not give back exactly (fields an sbpf profile ignores holding something, a call by
/// key under sbpf V0), prints as <c>.slot 0x…</c>. Under sbpf V0 callx names the register its imm holds.
/// </summary>
public static class Disassembler
{
    /// <summary>Disassembles a whole program, with a label line before every jump or call target.</summary>
    /// <param name="instructions">Decoded slots.</param>
    /// <param name="syscalls">Names for <c>call imm</c> keys, or null.</param>
    /// <param name="functionNames">Names for slots (ELF symbols), or null to generate labels.</param>
    /// <param name="notes">Comments for slots (what the ELF loader linked there), printed after the instruction.</param>
    /// <param name="showPcs">End every instruction with its pc, as a comment.</param>
    /// <param name="headings">A comment line before an instruction (the source line it starts).</param>
    /// <param name="profile">The profile the text is for (the sbpf profiles read some of it differently), or null for TBPF.</param>
    public static string Disassemble(IReadOnlyList<Instruction> instructions, SyscallRegistry? syscalls = null,
        IReadOnlyDictionary<long, string>? functionNames = null, IReadOnlyDictionary<long, string>? notes = null,
        bool showPcs = false, IReadOnlyDictionary<long, string>? headings = null, Profile? profile = null)
    {
        var labels = LabelTargets(instructions, functionNames, profile?.IsSbpf == true);
        var text = new StringBuilder();
        for (var pc = 0; pc < instructions.Count; pc++)
        {
            if (instructions[pc].Op == Op.LddwTail)
            {
                continue;
            }

            if (labels.TryGetValue(pc, out var label))
            {
                text.Append(label).Append(":\n");
            }

            if (headings is not null && headings.TryGetValue(pc, out var heading))
            {
                text.Append("    # ").Append(heading).Append('\n');
            }

            var start = text.Length;
            if (instructions[pc].Op == Op.Lddw && !IsCanonical(instructions[pc]) && pc + 1 < instructions.Count)
            {
                // Both slots as they are (an sbpf profile ignores lddw's src and offset): .fill writes any slot, lddw's too.
                var (first, tail) = (instructions[pc], instructions[pc + 1]);
                text.Append("    .fill 1, 0x").Append(Raw(first with { Imm = (uint)first.Imm32 }).ToString("x16", CultureInfo.InvariantCulture))
                    .Append("\n    .fill 1, 0x").Append(Raw(tail with { Imm = (int)(first.Imm >> 32) }).ToString("x16", CultureInfo.InvariantCulture))
                    .Append('\n');
                continue;
            }

            text.Append("    ").Append(Format(instructions[pc], pc, syscalls, labels, instructions.Count, profile));
            var hasNote = notes is not null && notes.TryGetValue(pc, out _);
            if (showPcs || hasNote)
            {
                // Comments start at one column, so the pcs line up.
                text.Append(' ', Math.Max(2, CommentColumn - (text.Length - start))).Append("# ");
                text.Append(showPcs ? $"pc {pc}" : "");
                text.Append(showPcs && hasNote ? ": " : "").Append(hasNote ? notes![pc] : "");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private const int CommentColumn = 36;

    /// <summary>One instruction, with relative targets (<c>+3</c>), as the verifier quotes it.</summary>
    public static string Format(Instruction instruction, long pc = 0, SyscallRegistry? syscalls = null, Profile? profile = null) =>
        Format(instruction, pc, syscalls, null, long.MaxValue, profile);

    private static string Format(Instruction ins, long pc, SyscallRegistry? syscalls,
        IReadOnlyDictionary<long, string>? labels, long count, Profile? profile)
    {
        if (ins.Op == Op.Invalid)
        {
            return RawSlot(ins);
        }

        if (ins.Op == Op.LddwTail)
        {
            return "(second slot of lddw)";
        }

        if (profile?.CallxRegister == CallxRegisterField.Imm && ins.Op == Op.Callx)
        {
            return ins is { Dst: 0, Src: 0, Offset: 0, Imm: >= 0 and <= 10 } ? $"callx r{ins.Imm}" : RawSlot(ins);
        }

        var sbpf = profile?.IsSbpf == true;
        if (!IsCanonical(ins) || (sbpf && ins.Op == Op.Call && !IsNamedSyscall(ins, syscalls)))
        {
            // The text would assemble to other bytes (under sbpf "call N" is a local call): keep the slot as it is.
            return RawSlot(ins);
        }

        var row = ins.Info;
        var m = row.Mnemonic;
        string Target(long relative)
        {
            var target = pc + 1 + relative;
            return labels is not null && target >= 0 && target < count && labels.TryGetValue(target, out var name)
                ? name
                : relative >= 0 ? $"+{relative}" : relative.ToString(CultureInfo.InvariantCulture);
        }

        return row.Shape switch
        {
            OperandShape.None => m,
            OperandShape.Dst => $"{m} {R(ins.Dst)}",
            OperandShape.DstImm => $"{m} {R(ins.Dst)}, {Imm(ins.Imm32)}",
            OperandShape.DstSrc => $"{m} {R(ins.Dst)}, {R(ins.Src)}",
            OperandShape.DstImm64 => $"{m} {R(ins.Dst)}, 0x{(ulong)ins.Imm:x}",
            OperandShape.Load => $"{m} {R(ins.Dst)}, {Mem(ins.Src, ins.Offset)}",
            OperandShape.StoreImm => $"{m} {Mem(ins.Dst, ins.Offset)}, {Imm(ins.Imm32)}",
            OperandShape.StoreReg => $"{m} {Mem(ins.Dst, ins.Offset)}, {R(ins.Src)}",
            OperandShape.Jump => $"{m} {Target(ins.Offset)}",
            OperandShape.JumpLong => $"{m} {Target(ins.Imm32)}",
            OperandShape.JumpImm => $"{m} {R(ins.Dst)}, {Imm(ins.Imm32)}, {Target(ins.Offset)}",
            OperandShape.JumpReg => $"{m} {R(ins.Dst)}, {R(ins.Src)}, {Target(ins.Offset)}",
            OperandShape.Call => IsNamedSyscall(ins, syscalls) && syscalls!.TryGet((uint)ins.Imm32, out var syscall)
                ? $"syscall {syscall.Name}"
                : $"call {Imm(ins.Imm32)}",
            OperandShape.CallLocal => Target(ins.Imm32) is var t && t[0] is '+' or '-' ? (sbpf ? $"call {t}" : $"call local {t}") : $"call {t}",
            OperandShape.Callx => $"callx {R(ins.Dst)}",
            _ => RawSlot(ins),
        };
    }

    /// <summary>Whether the assembler writes this instruction's slot exactly so: its registers exist, the fields its shape
    /// does not use are zero and its discriminant holds the row's value (lenient sbpf decoding accepts slots where they do not).</summary>
    private static bool IsCanonical(Instruction ins)
    {
        var used = ins.Info.UsedFields;
        if (((used & InstructionFields.Dst) != 0 && ins.Dst > 10) || ((used & InstructionFields.Src) != 0 && ins.Src > 10))
        {
            return false; // r11–r15 have no name in the text
        }

        var canonical = Isa.Encoder.Make(ins.Op,
            (used & InstructionFields.Dst) != 0 ? ins.Dst : (byte)0,
            (used & InstructionFields.Src) != 0 ? ins.Src : (byte)0,
            (used & InstructionFields.Offset) != 0 ? ins.Offset : (short)0,
            (used & InstructionFields.Imm) != 0 ? ins.Imm : 0);
        return canonical == ins;
    }

    private static bool IsNamedSyscall(Instruction ins, SyscallRegistry? syscalls) =>
        syscalls is not null && syscalls.TryGet((uint)ins.Imm32, out var syscall) && Murmur3.HashName(syscall.Name) == (uint)ins.Imm32;

    private static Dictionary<long, string> LabelTargets(IReadOnlyList<Instruction> instructions,
        IReadOnlyDictionary<long, string>? functionNames, bool sbpf)
    {
        var labels = new Dictionary<long, string>();
        for (var pc = 0; pc < instructions.Count; pc++)
        {
            var ins = instructions[pc];
            if (ins.Op is Op.Invalid or Op.LddwTail)
            {
                continue;
            }

            var row = ins.Info;
            if (!row.IsJump && row.Shape != OperandShape.CallLocal)
            {
                continue;
            }

            var target = ins.BranchTarget(pc);
            if (target >= 0 && target < instructions.Count && instructions[(int)target].Op != Op.LddwTail)
            {
                labels.TryAdd(target, functionNames?.GetValueOrDefault(target)
                    ?? (row.Shape == OperandShape.CallLocal ? (sbpf ? $"function_{target}" : $"fn_{target}") : $"lbl_{target}"));
            }
        }

        if (functionNames is not null)
        {
            foreach (var (pc, name) in functionNames)
            {
                labels[pc] = name;
            }
        }

        return labels;
    }

    private static string R(byte register) => $"r{register}";

    private static string Mem(byte register, short offset) => offset >= 0 ? $"[r{register}+{offset}]" : $"[r{register}{offset}]";

    // Small values read best in decimal; larger ones as the 32-bit pattern in hex, which assembles to the same bits.
    private static string Imm(int value) =>
        value is > -65536 and < 65536 ? value.ToString(CultureInfo.InvariantCulture) : $"0x{(uint)value:x}";

    private static string RawSlot(Instruction ins) => $".slot 0x{Raw(ins):x16}";

    private static ulong Raw(Instruction ins) =>
        ins.Opcode | ((ulong)(ins.Dst | (ins.Src << 4)) << 8) | ((ulong)(ushort)ins.Offset << 16) | ((ulong)(uint)ins.Imm32 << 32);
}
