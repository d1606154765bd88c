using Tos.Tbpf.Isa;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Tests.Support;

/// <summary>
/// Seeded random programs that pass the verifier: every opcode of the table, operands biased towards the edge
/// values (0, 1, -1, MIN, MAX, 0x8000_0000, shift counts around the width), jump targets inside the text and
/// never on an lddw tail, the last instruction an exit.
/// </summary>
public sealed class RandomPrograms(int seed, Profile profile, SyscallRegistry? syscalls = null)
{
    private static readonly int[] EdgeImmediates = [0, 1, -1, 2, 7, 31, 32, 63, 64, int.MinValue, int.MaxValue, unchecked((int)0x8000_0000), 0xff, 0xffff];
    private static readonly long[] EdgeImmediates64 = [0, 1, -1, long.MinValue, long.MaxValue, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000];

    private readonly Random _random = new(seed);
    private readonly uint[] _syscallKeys = syscalls?.All.Select(s => s.Key).ToArray() ?? [];

    public Instruction[] Next(int length)
    {
        // Choose ops first (lddw takes two slots), then fill in targets that avoid lddw tails.
        var ops = new List<OpcodeInfo>();
        var slots = 0;
        while (slots < length - 1)
        {
            var row = OpcodeTable.All[_random.Next(OpcodeTable.All.Count)];
            if ((profile.Features & row.Requires) != row.Requires || (row.Op == Op.Call && _syscallKeys.Length == 0))
            {
                continue;
            }

            ops.Add(row);
            slots += row.Op == Op.Lddw ? 2 : 1;
        }

        ops.Add(OpcodeTable.Get(Op.Exit));
        var starts = new List<int>();
        var at = 0;
        foreach (var row in ops)
        {
            starts.Add(at);
            at += row.Op == Op.Lddw ? 2 : 1;
        }

        var code = new List<Instruction>();
        for (var i = 0; i < ops.Count; i++)
        {
            var instruction = Fill(ops[i], starts[i], starts);
            code.Add(instruction);
            if (instruction.Op == Op.Lddw)
            {
                code.Add(new Instruction(Op.LddwTail, 0, 0, 0, 0, 0));
            }
        }

        return code.ToArray();
    }

    private Instruction Fill(OpcodeInfo row, int pc, List<int> starts)
    {
        var target = starts[_random.Next(starts.Count)];
        var relative = target - pc - 1;
        var writable = (byte)_random.Next(10);
        var any = (byte)_random.Next(11);
        return row.Shape switch
        {
            OperandShape.None => Encoder.Make(row.Op),
            OperandShape.Dst => Encoder.Make(row.Op, dst: writable),
            OperandShape.DstImm => Encoder.Make(row.Op, dst: writable, imm: Immediate(row.Op)),
            OperandShape.DstSrc => Encoder.Make(row.Op, dst: writable, src: any),
            OperandShape.DstImm64 => Encoder.Make(row.Op, dst: writable, imm: _random.Next(2) == 0
                ? EdgeImmediates64[_random.Next(EdgeImmediates64.Length)] : _random.NextInt64(long.MinValue, long.MaxValue)),
            OperandShape.Load => Encoder.Make(row.Op, dst: writable, src: any, offset: Offset()),
            OperandShape.StoreImm => Encoder.Make(row.Op, dst: any, offset: Offset(), imm: Immediate(row.Op)),
            OperandShape.StoreReg => Encoder.Make(row.Op, dst: any, src: row.Discriminant == Discriminant.Imm ? writable : any, offset: Offset()),
            OperandShape.Jump => Encoder.Make(row.Op, offset: (short)relative),
            OperandShape.JumpLong => Encoder.Make(row.Op, imm: relative),
            OperandShape.JumpImm => Encoder.Make(row.Op, dst: any, imm: Immediate(row.Op), offset: (short)relative),
            OperandShape.JumpReg => Encoder.Make(row.Op, dst: any, src: any, offset: (short)relative),
            OperandShape.Call => Encoder.Make(row.Op, imm: unchecked((int)_syscallKeys[_random.Next(_syscallKeys.Length)])),
            OperandShape.CallLocal => Encoder.Make(row.Op, imm: relative),
            OperandShape.Callx => Encoder.Make(row.Op, dst: any),
            _ => throw new InvalidOperationException(row.Shape.ToString()),
        };
    }

    private int Immediate(Op op)
    {
        var value = _random.Next(3) switch
        {
            0 => EdgeImmediates[_random.Next(EdgeImmediates.Length)],
            1 => _random.Next(-16, 17),
            _ => _random.Next(int.MinValue, int.MaxValue),
        };
        if (!profile.RejectOutOfRangeImmediates)
        {
            return value;
        }

        // Keep what the verifier would reject out of TBPF programs.
        return op switch
        {
            Op.Div32Imm or Op.Div64Imm or Op.Mod32Imm or Op.Mod64Imm or Op.SDiv32Imm or Op.SDiv64Imm
                or Op.SMod32Imm or Op.SMod64Imm when value == 0 => 3,
            Op.Lsh32Imm or Op.Rsh32Imm or Op.Arsh32Imm => value & 31,
            Op.Lsh64Imm or Op.Rsh64Imm or Op.Arsh64Imm => value & 63,
            _ => value,
        };
    }

    private short Offset() => _random.Next(3) switch
    {
        0 => (short)_random.Next(-16, 17),
        1 => new short[] { 0, -1, 1, short.MinValue, short.MaxValue, -8, 8 }[_random.Next(7)],
        _ => (short)_random.Next(short.MinValue, short.MaxValue + 1),
    };
}
