using Tos.Tbpf.Isa;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Fuzzing;

/// <summary>A generated program: its bytecode and the input it runs on.</summary>
public sealed record GeneratedProgram(byte[] Bytecode, byte[] Input);

/// <summary>
/// Generates programs the verifier accepts, for one profile, from a seed: every operation of the table, with operands
/// biased to edges (0, ±1, INT_MIN/MAX, shift counts 31/32/63/64, pointers at the first and last byte of every region and
/// one past, wrap-around addresses), loops bounded only by the budget, a recursive function whose depth straddles the
/// call limit, callx to valid, unaligned, outside and lddw-tail targets, and syscalls whose pointers sit near region edges.
/// </summary>
public sealed class ProgramGenerator(Profile profile)
{
    private static readonly int[] EdgeImmediates = [0, 1, -1, 2, -2, int.MinValue, int.MaxValue, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 31, 32, 63, 64];
    private static readonly short[] EdgeOffsets = [0, -1, 1, -8, 8, -4, -4096, 4095, 4096, -4097, short.MaxValue, short.MinValue, -16, 7];
    private static readonly long[] EdgeConstants = [0, 1, -1, long.MinValue, long.MaxValue, int.MinValue, int.MaxValue, uint.MaxValue, 0x8000_0000, -0x8000_0001L];

    private readonly OpcodeInfo[] _rows = OpcodeTable.All.Where(r => (r.Requires & profile.Features) == r.Requires
        && r.Op is not (Op.Call or Op.CallLocal or Op.Callx or Op.Exit or Op.Lddw)).ToArray();

    private readonly SyscallRegistry _syscalls = FuzzSyscalls.For(profile);

    /// <summary>The operations the generator can emit (for coverage figures).</summary>
    public int OperationCount => _rows.Length + 5;

    /// <summary>A program and its input, determined by <paramref name="random"/>'s state.</summary>
    public GeneratedProgram Generate(Random random)
    {
        var input = new byte[random.Next(5) switch { 0 => 0, 1 => 1, 2 => 8, 3 => 63, _ => 64 }];
        random.NextBytes(input);
        var items = new List<Item>();
        var bodyStart = 0;

        // Prologue: interesting values and pointers in the registers the body will use.
        for (var r = 1; r <= 9; r++)
        {
            if (random.Next(2) == 0)
            {
                items.Add(Item.Of(Encoder.Make(Op.Lddw, dst: (byte)r, imm: random.Next(3) == 0 ? Pick(random, EdgeConstants) : Pointer(random, input.Length))));
            }
        }

        // Sometimes a long run first, so that the body's pcs take two bytes: the JIT blinds such a pc in the stubs that
        // leave with it (and charges the run as one block), which short programs never reach.
        if (random.Next(16) == 0)
        {
            var run = random.Next(250, 600);
            for (var i = 0; i < run; i++)
            {
                items.Add(Item.Of(Encoder.Make(Op.Add64Imm, dst: 0, imm: 1)));
            }
        }

        var recursive = -1;
        var plain = -1;
        var body = random.Next(6, 40);
        bodyStart = items.Count;
        for (var i = 0; i < body; i++)
        {
            AddBodyItem(random, items, bodyStart, input.Length);
        }

        items.Add(Item.Of(Encoder.Make(Op.Exit)));
        // Functions, after the main exit: a recursion counting r5 down (depth straddling the frame limit) and a leaf.
        recursive = items.Count;
        items.Add(Item.Of(Encoder.Make(Op.Add64Imm, dst: 5, imm: -1)));
        items.Add(new Item(Encoder.Make(Op.Jeq64Imm, dst: 5, imm: 0), Jump: recursive + 3));
        items.Add(new Item(Encoder.Make(Op.CallLocal), Call: recursive));
        items.Add(Item.Of(Encoder.Make(Op.Exit)));
        plain = items.Count;
        items.Add(Item.Of(Encoder.Make(Op.Mov64Imm, dst: 0, imm: Pick(random, EdgeImmediates))));
        // Where running off the text is a run-time error (sbpf), the last function sometimes lacks its exit.
        items.Add(Item.Of(profile.ExecutionOverrunAtRunTime && random.Next(8) == 0
            ? Encoder.Make(Op.Mov64Imm, dst: 0, imm: 7)
            : Encoder.Make(Op.Exit)));

        // Point the body's calls at the functions now that they exist.
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Call == CallPlaceholder)
            {
                items[i] = items[i] with { Call = random.Next(3) == 0 ? recursive : plain };
            }

            if (items[i].CallxTarget == CallPlaceholder)
            {
                items[i] = items[i] with { CallxTarget = random.Next(3) == 0 ? recursive : plain };
            }
        }

        return new GeneratedProgram(Encode(items, profile), input);
    }

    private const int CallPlaceholder = -2;

    private void AddBodyItem(Random random, List<Item> items, int bodyStart, int inputLength)
    {
        switch (random.Next(21))
        {
            case 20:
                AddCountedLoop(random, items, inputLength);
                return;
            case < 8:
                items.Add(Item.Of(Operation(random)));
                return;
            case < 11:
            {
                // A jump anywhere in the body: forward, or backward into a loop the budget ends.
                var row = Pick(random, _rows.Where(r => r.IsJump).ToArray());
                var instruction = Operation(random, row);
                var target = random.Next(4) == 0 ? random.Next(bodyStart, items.Count + 1) : -1;
                items.Add(new Item(instruction, Jump: target));
                return;
            }
            case 11:
                items.Add(Item.Of(Encoder.Make(Op.Lddw, dst: Register(random), imm: random.Next(2) == 0 ? Pick(random, EdgeConstants) : Pointer(random, inputLength))));
                return;
            case 12 or 13:
                AddSyscall(random, items, inputLength);
                return;
            case 14:
                items.Add(Item.Of(Encoder.Make(Op.Mov64Imm, dst: 5, imm: random.Next(60, 68))));
                items.Add(new Item(Encoder.Make(Op.CallLocal), Call: CallPlaceholder));
                return;
            case 15:
                AddCallx(random, items);
                return;
            case 16:
                if (random.Next(4) == 0)
                {
                    items.Add(Item.Of(Encoder.Make(Op.Exit)));
                }

                return;
            default:
                items.Add(Item.Of(Memory(random)));
                return;
        }
    }

    /// <summary>
    /// The shape the JIT compiles with an unchecked copy behind a guard (X64Compiler.Loops): one block whose induction
    /// register steps by a power of two or a register to a jne or jlt bound, with one access at that register (or an
    /// unchanging register plus it)
    /// plus an offset. Mostly ranges that fit a region, also ones that cross its end or start below it, bounds the step
    /// never meets, loops entered at their bound, and ALU work that may break the shape.
    /// </summary>
    private void AddCountedLoop(Random random, List<Item> items, int inputLength)
    {
        var registers = Enumerable.Range(1, 9).OrderBy(_ => random.Next()).Select(r => (byte)r).ToArray();
        var (v, bound, addend, value, scratch, stepRegister) = (registers[0], registers[1], registers[2], registers[3], registers[4], registers[5]);
        // A step in a register (any value, 0 included) or an immediate power of two; a jne or an unsigned jlt bound.
        var registerStep = random.Next(3) == 0;
        var step = registerStep ? random.Next(0, 40) : 1 << random.Next(0, 5);
        var below = random.Next(3) == 0;
        var trips = random.Next(4) == 0 ? random.Next(0, 3) : random.Next(1, 48);
        var (index, length) = random.Next(3) switch
        {
            0 => (MemoryMap.StackIndex, Profile.Tbpf.StackFrameSize),
            1 => (MemoryMap.HeapIndex, MemoryMap.DefaultHeapSize),
            _ => (MemoryMap.InputIndex, inputLength),
        };
        var start = ((long)index << MemoryMap.RegionShift) + random.Next(5) switch
        {
            0 => Math.Max(0, length - trips * step),
            1 => -step,
            _ => random.Next(0, Math.Max(1, length / 2)),
        };
        var skew = random.Next(6) == 0 ? random.Next(1, step + 2) : 0;
        var access = Memory(random);
        var offset = (short)Pick(random, new[] { 0, 0, 0, 8, -8, 4, 1, -1 });
        var isLoad = access.Info.Shape == OperandShape.Load;
        var withAddend = random.Next(3) == 0;
        if (withAddend)
        {
            // address = addend + v, with v counting from a small start.
            items.Add(Item.Of(Encoder.Make(Op.Lddw, dst: addend, imm: start)));
            items.Add(Item.Of(Encoder.Make(Op.Mov64Imm, dst: v, imm: 0)));
        }
        else
        {
            items.Add(Item.Of(Encoder.Make(Op.Lddw, dst: v, imm: start)));
            items.Add(Item.Of(Encoder.Make(Op.Mov64Reg, dst: bound, src: v)));
        }

        var useRegisterBound = !withAddend;
        if (useRegisterBound)
        {
            items.Add(Item.Of(Encoder.Make(Op.Add64Imm, dst: bound, imm: trips * step + skew)));
        }

        if (registerStep)
        {
            items.Add(Item.Of(Encoder.Make(Op.Mov64Imm, dst: stepRegister, imm: step)));
        }

        var loop = items.Count;
        var baseRegister = v;
        if (withAddend)
        {
            items.Add(Item.Of(Encoder.Make(Op.Mov64Reg, dst: scratch, src: addend)));
            items.Add(Item.Of(Encoder.Make(Op.Add64Reg, dst: scratch, src: v)));
            baseRegister = scratch;
        }

        if (random.Next(3) == 0)
        {
            items.Add(Item.Of(Operation(random)));
        }

        var hasSource = access.Info.UsedFields.HasFlag(InstructionFields.Src);
        items.Add(Item.Of(Encoder.Make(access.Op, dst: isLoad ? value : baseRegister, src: hasSource ? (isLoad ? baseRegister : value) : (byte)0,
            offset: offset, imm: access.Imm32)));
        items.Add(Item.Of(registerStep ? Encoder.Make(Op.Add64Reg, dst: v, src: stepRegister) : Encoder.Make(Op.Add64Imm, dst: v, imm: step)));
        var (withRegister, withImmediate) = below ? (Op.Jlt64Reg, Op.Jlt64Imm) : (Op.Jne64Reg, Op.Jne64Imm);
        items.Add(new Item(useRegisterBound ? Encoder.Make(withRegister, dst: v, src: bound) : Encoder.Make(withImmediate, dst: v, imm: trips * step + skew),
            Jump: loop));
    }

    private void AddSyscall(Random random, List<Item> items, int inputLength)
    {
        if (profile.Calls == CallEncoding.HelperNumber)
        {
            items.Add(Item.Of(Encoder.Make(Op.Call, imm: FuzzSyscalls.Helper)));
            return;
        }

        var (name, pointers) = Pick(random, profile.IsSbpf ? FuzzSyscalls.Solana : FuzzSyscalls.Tos);
        for (var r = 1; r <= 5; r++)
        {
            var value = r <= pointers || (r == 3 && name is "tos_storage_load" or "tos_storage_store" or "tos_fire_event" or "sol_get_return_data")
                || (r == 4 && name == "sol_memcmp_")
                ? Pointer(random, inputLength)
                : Pick(random, [0, 1, 8, 32, 64, 65, 1024, 1025, -1L, 0x1_0000_0000]);
            items.Add(Item.Of(Encoder.Make(Op.Lddw, dst: (byte)r, imm: value)));
        }

        items.Add(Item.Of(Encoder.Make(Op.Call, imm: Murmur3.HashName(name))));
    }

    private void AddCallx(Random random, List<Item> items)
    {
        var register = (byte)random.Next(1, 10);
        if (profile.Callx == CallxTarget.HelperNumber)
        {
            items.Add(Item.Of(Encoder.Make(Op.Mov64Imm, dst: register, imm: random.Next(2) == 0 ? FuzzSyscalls.Helper : random.Next(0, 10))));
            items.Add(Item.Of(Encoder.Make(Op.Callx, dst: register)));
            return;
        }

        items.Add(new Item(Encoder.Make(Op.Lddw, dst: register), CallxTarget: CallPlaceholder, CallxSkew: random.Next(6) switch
        {
            0 => 3,              // unaligned
            1 => 1L << 20,       // far outside the text
            2 => 8,              // the next slot: maybe mid-function, maybe an lddw tail
            3 => -8,
            _ => 0,
        }));
        items.Add(Item.Of(profile.CallxRegister == CallxRegisterField.Imm ? Encoder.Make(Op.Callx, imm: register) : Encoder.Make(Op.Callx, dst: register)));
    }

    private Instruction Operation(Random random, OpcodeInfo? chosen = null)
    {
        var row = chosen ?? Pick(random, _rows.Where(r => r.Shape is OperandShape.DstImm or OperandShape.DstSrc or OperandShape.Dst).ToArray());
        if (row.Shape is OperandShape.Load or OperandShape.StoreImm or OperandShape.StoreReg)
        {
            return Memory(random, row);
        }

        var fields = row.UsedFields;
        var imm = (long)Pick(random, EdgeImmediates);
        if (random.Next(4) == 0)
        {
            imm = random.Next(int.MinValue, int.MaxValue);
        }

        var isShift = row.Mnemonic.StartsWith("lsh", StringComparison.Ordinal) || row.Mnemonic.StartsWith("rsh", StringComparison.Ordinal)
            || row.Mnemonic.StartsWith("arsh", StringComparison.Ordinal);
        var isDivision = row.Mnemonic.Contains("div", StringComparison.Ordinal) || row.Mnemonic.Contains("mod", StringComparison.Ordinal);
        if (profile.RejectOutOfRangeImmediates && row.Shape == OperandShape.DstImm)
        {
            var width = row.Mnemonic.EndsWith("32", StringComparison.Ordinal) ? 32 : 64;
            if (isShift)
            {
                imm = Pick(random, [0, 1, width - 1, random.Next(width)]);
            }
            else if (isDivision && imm == 0)
            {
                imm = -1;
            }
        }

        return Encoder.Make(row.Op,
            dst: fields.HasFlag(InstructionFields.Dst) ? Register(random) : (byte)0,
            src: fields.HasFlag(InstructionFields.Src) ? (byte)random.Next(0, 11) : (byte)0,
            offset: 0,
            imm: fields.HasFlag(InstructionFields.Imm) && row.Discriminant != Discriminant.Imm ? imm : 0);
    }

    private Instruction Memory(Random random, OpcodeInfo? chosen = null)
    {
        var row = chosen ?? Pick(random, _rows.Where(r => r.Shape is OperandShape.Load or OperandShape.StoreImm or OperandShape.StoreReg).ToArray());
        var fields = row.UsedFields;
        // Bases: r10 (the frame) often, else any register the prologue may have pointed somewhere.
        var baseRegister = (byte)(random.Next(3) == 0 ? 10 : random.Next(0, 10));
        var offset = random.Next(3) == 0 ? (short)random.Next(short.MinValue, short.MaxValue) : Pick(random, EdgeOffsets);
        if (baseRegister == 10 && random.Next(2) == 0)
        {
            offset = (short)-random.Next(1, 4097);
        }

        var isLoad = row.Shape == OperandShape.Load;
        return Encoder.Make(row.Op,
            dst: isLoad ? Register(random) : baseRegister,
            src: fields.HasFlag(InstructionFields.Src) ? (isLoad ? baseRegister : (byte)random.Next(0, 11)) : (byte)0,
            offset: offset,
            imm: fields.HasFlag(InstructionFields.Imm) && row.Discriminant != Discriminant.Imm ? Pick(random, EdgeImmediates) : 0);
    }

    /// <summary>An address at an edge of a region: its first byte, its last bytes, one past it, or a wrap-around.</summary>
    private static long Pointer(Random random, int inputLength)
    {
        var (index, length) = random.Next(5) switch
        {
            0 => (MemoryMap.StackIndex, Profile.Tbpf.StackSize),
            1 => (MemoryMap.StackIndex, Profile.Tbpf.StackFrameSize),
            2 => (MemoryMap.HeapIndex, MemoryMap.DefaultHeapSize),
            3 => (MemoryMap.InputIndex, inputLength),
            _ => (MemoryMap.ProgramIndex, 64),
        };
        var start = (long)index << MemoryMap.RegionShift;
        return random.Next(8) switch
        {
            0 => start,
            1 => start + length - 1,
            2 => start + length - 8,
            3 => start + length,
            4 => start - 1,
            5 => start + length - 64,
            6 => -8,
            _ => start + random.Next(0, Math.Max(1, length)),
        };
    }

    private static byte Register(Random random) => (byte)random.Next(0, 10);

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    /// <summary>Lays the items out in slots and resolves their targets into offsets and addresses.</summary>
    private static byte[] Encode(List<Item> items, Profile profile)
    {
        var slot = new int[items.Count + 1];
        for (var i = 0; i < items.Count; i++)
        {
            slot[i + 1] = slot[i] + (items[i].Instruction.Op == Op.Lddw ? 2 : 1);
        }

        var resolved = new List<Instruction>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var (instruction, jump, call, callx, skew) = items[i];
            if (instruction.Info.IsJump)
            {
                // No explicit target: a short hop forward, staying inside the program.
                var target = jump >= 0 ? jump : Math.Min(i + 1 + (int)((uint)instruction.Imm32 % 4), items.Count - 1);
                var distance = slot[target] - slot[i] - 1;
                instruction = instruction.Op == Op.Ja32
                    ? instruction with { Imm = distance }
                    : instruction with { Offset = (short)distance };
            }
            else if (call >= 0)
            {
                // sbpf V0 calls by key: raw bytecode registers every slot under the hash of its number.
                instruction = profile.Calls == CallEncoding.SyscallOrFunctionHash
                    ? Encoder.Make(Op.Call, imm: unchecked((int)Programs.RunTimeCalls.FunctionKey(slot[call])))
                    : instruction with { Imm = slot[call] - slot[i] - 1 };
            }
            else if (callx >= 0)
            {
                instruction = instruction with { Imm = (long)((ulong)MemoryMap.ProgramIndex << MemoryMap.RegionShift) + slot[callx] * 8L + skew };
            }

            resolved.Add(instruction);
        }

        return Encoder.Encode(resolved);
    }

    private readonly record struct Item(Instruction Instruction, int Jump = -1, int Call = -1, int CallxTarget = -1, long CallxSkew = 0)
    {
        public static Item Of(Instruction instruction) => new(instruction);
    }
}
