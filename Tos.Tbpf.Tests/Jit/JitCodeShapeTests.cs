using Iced.Intel;
using NUnit.Framework;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Jit.Runtime;
using Tos.Tbpf.Memory;
using Tos.Tbpf.Programs;
using Decoder = Iced.Intel.Decoder;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>What the generated code looks like, decoded with Iced: constants blinded, no-ops inserted, W^X mapping.</summary>
public sealed class JitCodeShapeTests
{
    // Distinctive constants a contract might plant to smuggle x86 bytes into executable memory.
    private const string Planted = """
        mov r1, 0x12345678
        lddw r2, 0x1122334455667788
        add r3, 0x7abcdef0
        stw [r10-8], 0x5a5a5a5a
        mul32 r4, 0x31415926
        jeq r1, 0x27182818, done
        syscall planted_hash_0
        done:
        exit
        """;

    private static readonly long[] PlantedValues = [0x12345678, 0x1122334455667788, 0x7abcdef0, 0x5a5a5a5a, 0x31415926, 0x27182818];

    private static VerifiedExecutable Program()
    {
        var syscalls = new Syscalls.SyscallRegistry().Register("planted_hash_0", (_, _, _, _, _, _) => 0);
        return Vm.Load(Executable.FromAssembly(Planted, Profile.Tbpf, syscalls));
    }

    private static List<Iced.Intel.Instruction> Decode(JitProgram program)
    {
        var code = program.Code.ToArray();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code));
        var result = new List<Iced.Intel.Instruction>();
        while (decoder.IP < (ulong)code.Length)
        {
            result.Add(decoder.Decode());
        }

        return result;
    }

    private static IEnumerable<ulong> Immediates(Iced.Intel.Instruction instruction)
    {
        for (var i = 0; i < instruction.OpCount; i++)
        {
            var kind = instruction.GetOpKind(i);
            if (kind is OpKind.Immediate8 or OpKind.Immediate16 or OpKind.Immediate32 or OpKind.Immediate64
                or OpKind.Immediate8to16 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32to64)
            {
                yield return instruction.GetImmediate(i);
            }

            if (kind == OpKind.Memory)
            {
                yield return instruction.MemoryDisplacement64;
            }
        }
    }

    private static bool Contains(byte[] haystack, long value, int width) =>
        haystack.AsSpan().IndexOf(BitConverter.GetBytes(value).AsSpan(0, width)) >= 0;

    [Test]
    public void With_blinding_no_planted_constant_appears_in_the_code()
    {
        using var compiled = JitProgram.Compile(Program(), new JitOptions(Seed: 7));
        var immediates = Decode(compiled).SelectMany(Immediates).ToHashSet();
        var bytes = compiled.Code.ToArray();
        var key = (long)Syscalls.Murmur3.HashName("planted_hash_0");
        foreach (var value in PlantedValues.Append(key))
        {
            Assert.That(immediates, Does.Not.Contain((ulong)value).And.Not.Contain((ulong)(uint)value), $"0x{value:x} as an operand");
            Assert.That(Contains(bytes, value, 4), Is.False, $"the low 4 bytes of 0x{value:x} in the code bytes");
        }

        Assert.That(Contains(bytes, 0x11223344, 4), Is.False, "the high half of the lddw constant");
    }

    /// <summary>Every operation of the table with a distinctive value in each field the program controls: no immediate,
    /// displacement or 4-byte run of the code may carry it. Offsets are planted both positive and negative (−0x3c3d
    /// would plant <c>C3 C3 FF FF</c>: two <c>ret</c>s).</summary>
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void With_blinding_no_planted_immediate_or_offset_appears_for_any_operation(int seed)
    {
        var random = new Random(seed);
        var planted = Syscalls.Murmur3.HashName("planted_syscall");
        var syscalls = new Syscalls.SyscallRegistry().Register("planted_syscall", (_, _, _, _, _, _) => 0);
        foreach (var row in Isa.OpcodeTable.All)
        {
            var imm = (long)(0x3c000000 | random.Next(0x10000, 0xffffff));
            var offset = (short)(random.Next(2) == 0 ? -0x3c3d + random.Next(0x100) : 0x3c3d + random.Next(0x100));
            var fields = row.UsedFields;
            var profile = row.Shape == Isa.OperandShape.DstImm && row.Mnemonic.Contains("sh", StringComparison.Ordinal) ? Profile.Rfc9669 : Profile.Tbpf;
            var hasOffset = fields.HasFlag(Isa.InstructionFields.Offset) && row.Shape is Isa.OperandShape.Load or Isa.OperandShape.StoreImm or Isa.OperandShape.StoreReg;
            var hasImm = fields.HasFlag(Isa.InstructionFields.Imm) && row.Shape is Isa.OperandShape.DstImm or Isa.OperandShape.DstImm64
                or Isa.OperandShape.StoreImm or Isa.OperandShape.JumpImm or Isa.OperandShape.Call && row.Discriminant != Isa.Discriminant.Imm;
            var value = row.Op switch
            {
                Isa.Op.Call => planted,
                Isa.Op.Lddw => 0x3c5a_7e91_0000_0000L | (uint)imm,
                _ => imm,
            };
            // Only the fields the operation reads may be non-zero; the discriminant is the table's.
            var instruction = Isa.Encoder.Make(row.Op,
                dst: fields.HasFlag(Isa.InstructionFields.Dst) ? (byte)1 : (byte)0,
                src: fields.HasFlag(Isa.InstructionFields.Src) ? (byte)2 : (byte)0,
                offset: hasOffset ? offset : (short)0,
                imm: hasImm || row.Op == Isa.Op.Call ? value : 0);

            var code = Isa.Encoder.Encode([instruction, Isa.Encoder.Make(Isa.Op.Exit)]);
            using var compiled = JitProgram.Compile(Vm.Load(Executable.FromBytecode(code, profile, syscalls)), new JitOptions(Seed: seed));
            var operands = Decode(compiled).SelectMany(Immediates).ToHashSet();
            var bytes = compiled.Code.ToArray();
            var what = $"{row.Op} (imm 0x{value:x}, offset {offset})";
            if (hasImm || row.Op == Isa.Op.Call)
            {
                Assert.That(operands, Does.Not.Contain((ulong)value).And.Not.Contain((ulong)(uint)value).And.Not.Contain((ulong)(long)(int)value), what);
                Assert.That(Contains(bytes, value, 4), Is.False, $"{what}: the low 4 bytes");
            }

            if (hasOffset)
            {
                Assert.That(operands, Does.Not.Contain((ulong)(long)offset).And.Not.Contain((ulong)(ushort)offset), what);
                Assert.That(Contains(bytes, offset, 4), Is.False, $"{what}: the offset as a 32-bit displacement");
            }
        }
    }

    [Test]
    public void Without_blinding_the_constants_are_there()
    {
        // The check above can fail: with blinding off, the same program carries its constants verbatim.
        using var compiled = JitProgram.Compile(Program(), new JitOptions(BlindConstants: false, NopInsertion: false));
        var bytes = compiled.Code.ToArray();
        Assert.That(PlantedValues.Count(v => Contains(bytes, v, 4)), Is.EqualTo(PlantedValues.Length));
    }

    [Test]
    public void No_op_insertion_varies_the_layout_by_seed()
    {
        // No-ops go in at a rate (about one per 64 instructions), so the program is long enough to get several.
        var program = Vm.Load(Executable.FromAssembly(string.Concat(Enumerable.Repeat("add r1, 0x12345\n", 1000)) + "exit", Profile.Tbpf));
        using var first = JitProgram.Compile(program, new JitOptions(BlindConstants: false, Seed: 1));
        using var second = JitProgram.Compile(program, new JitOptions(BlindConstants: false, Seed: 2));
        using var plain = JitProgram.Compile(program, new JitOptions(BlindConstants: false, NopInsertion: false));
        Assert.That(Decode(first).Count(i => i.Mnemonic == Mnemonic.Nop), Is.InRange(5, 40), "about 1000 / 64");
        Assert.That(Decode(plain).Count(i => i.Mnemonic == Mnemonic.Nop), Is.EqualTo(0));
        Assert.That(first.Code.ToArray(), Is.Not.EqualTo(second.Code.ToArray()));
    }

    // Accesses through registers other than r10 (frame accesses have their own tests): a load, two stores, an atomic.
    private const string Accesses = "ldxdw r0, [r1+0]\nstxw [r2+4], r0\nstb [r2+3], 1\nlock add [r1+8], r0\nexit";

    /// <summary>The x86 instructions that dereference rax, the translated host address, with their index.</summary>
    private static List<(Iced.Intel.Instruction Ins, int At)> GuestAccesses(List<Iced.Intel.Instruction> code) =>
        code.Select((ins, at) => (ins, at))
            .Where(x => Enumerable.Range(0, x.ins.OpCount).Any(i => x.ins.GetOpKind(i) == OpKind.Memory) && x.ins.MemoryBase == Register.RAX)
            .ToList();

    [Test]
    public void Every_memory_access_is_preceded_by_its_window_check()
    {
        using var compiled = JitProgram.Compile(Vm.Load(Executable.FromAssembly(Accesses, Profile.Tbpf)), new JitOptions(NopInsertion: false));
        var code = Decode(compiled);
        var accesses = GuestAccesses(code);
        Assert.That(accesses, Has.Count.EqualTo(4));
        foreach (var (_, at) in accesses)
        {
            // sub rax, [window low]; cmp rax, [window span]; jae miss; add rax, [window host]; the access.
            var (sub, cmp, jae, add) = (code[at - 4], code[at - 3], code[at - 2], code[at - 1]);
            var window = (int)sub.MemoryDisplacement64 - JitContext.WindowLowOffset;
            Assert.That(window, Is.InRange(JitContext.WindowsOffset, JitContext.Size - JitContext.WindowEntrySize),
                $"window operand before instruction {at}");
            Assert.That((sub.Mnemonic, sub.MemoryBase), Is.EqualTo((Mnemonic.Sub, Register.R15)), $"instruction {at - 4}");
            Assert.That((cmp.Mnemonic, cmp.Op0Register, cmp.MemoryBase), Is.EqualTo((Mnemonic.Cmp, Register.RAX, Register.R15)), $"instruction {at - 3}");
            Assert.That((int)cmp.MemoryDisplacement64, Is.AnyOf(new[] { 1, 2, 4, 8 }.Select(size => window + JitContext.WindowSpanOffset(size)).Cast<object>().ToArray()),
                $"a span of the same window at instruction {at - 3}");
            Assert.That(jae.Mnemonic, Is.EqualTo(Mnemonic.Jae), $"instruction {at - 2}");
            Assert.That((add.Mnemonic, add.MemoryBase, (int)add.MemoryDisplacement64),
                Is.EqualTo((Mnemonic.Add, Register.R15, window + JitContext.WindowHostOffset)), $"instruction {at - 1}");
        }
    }

    [Test]
    public void With_a_gapped_stack_every_access_is_translated_in_full()
    {
        // sbpf V0's stack is not linear, so no window: the region's own length is compared before each access.
        var program = Accesses.Replace("lock add [r1+8], r0", "ldxb r3, [r1+8]", StringComparison.Ordinal);
        using var compiled = JitProgram.Compile(Vm.Load(Executable.FromAssembly(program, Profile.SbpfV0)), new JitOptions(NopInsertion: false));
        var code = Decode(compiled);
        var accesses = GuestAccesses(code);
        Assert.That(accesses, Has.Count.EqualTo(4));
        foreach (var (_, at) in accesses)
        {
            var before = code.Skip(Math.Max(0, at - 4)).Take(4).ToList();
            Assert.That(before.Any(i => i.Mnemonic == Mnemonic.Cmp && i.MemoryBase == Register.R15 && i.MemoryIndex == Register.RDX), Is.True,
                $"bounds compare before instruction {at}");
            Assert.That(before.Any(i => i.Mnemonic == Mnemonic.Ja), Is.True, $"fault branch before instruction {at}");
        }
    }

    [Test]
    public void A_move_then_add_compiles_to_one_lea_unless_something_jumps_between_them()
    {
        static int Leas(string source)
        {
            using var compiled = JitProgram.Compile(Vm.Load(Executable.FromAssembly(source, Profile.Tbpf)),
                new JitOptions(BlindConstants: false, NopInsertion: false));
            return Decode(compiled).Count(i => i.Mnemonic == Mnemonic.Lea);
        }

        Assert.That(Leas("mov r1, r10\nadd r1, -32\nmov r2, r1\nadd r2, r3\nmov r0, r2\nexit"), Is.EqualTo(2));
        // The add is a jump target: the pair stays two instructions.
        Assert.That(Leas("jeq r3, 0, next\nmov r1, r10\nnext:\nadd r1, -32\nmov r0, r1\nexit"), Is.Zero);
    }

    private const string CollatzSteps = """
        mov r0, 0
        mov r2, 27
        step:
        jeq r2, 1, done
        jset r2, 1, odd
        rsh r2, 1
        add r0, 1
        ja step
        odd:
        mul r2, 3
        add r2, 1
        add r0, 1
        ja step
        done:
        exit
        """;

    [Test]
    public void A_jump_back_to_a_metered_block_makes_its_charge_in_one_conditional_branch()
    {
        using var compiled = JitProgram.Compile(Vm.Load(Executable.FromAssembly(CollatzSteps, Profile.Tbpf)),
            new JitOptions(BlindConstants: false, NopInsertion: false));
        var code = Decode(compiled);
        // Both `ja step` become `sub r11, 5; jge` to just past the loop head's own `sub r11, 5; jl`: the step's units
        // (jeq, jset, rsh, add, ja), charged before the jump instead of after it.
        var chargedJumps = code.Select((ins, i) => (ins, i))
            .Where(x => x.ins.Mnemonic == Mnemonic.Jge && x.i > 0 && IsCharge(code[x.i - 1], 5))
            .Select(x => x.ins.NearBranchTarget).ToList();
        Assert.That(chargedJumps, Has.Count.EqualTo(2));
        var head = code.FindIndex(ins => ins.IP == chargedJumps[0]);
        Assert.That(chargedJumps, Has.All.EqualTo(chargedJumps[0]));
        Assert.That(code[head - 1].Mnemonic, Is.EqualTo(Mnemonic.Jl));
        Assert.That(IsCharge(code[head - 2], 5), Is.True);
        // No unconditional jump goes backwards any more.
        Assert.That(code.Where(ins => ins.Mnemonic == Mnemonic.Jmp && ins.NearBranchTarget < ins.IP), Is.Empty);

        static bool IsCharge(Iced.Intel.Instruction ins, long units) =>
            ins.Mnemonic == Mnemonic.Sub && ins.Op0Register == Register.R11 && (long)ins.GetImmediate(1) == units;
    }

    [Test]
    public void A_layout_shift_moves_the_code_and_changes_nothing_else([Values(0, 1, 17, 64)] int shift)
    {
        var program = Vm.Load(Executable.FromAssembly(CollatzSteps, Profile.Tbpf));
        var options = new JitOptions(BlindConstants: false, NopInsertion: false);
        using var unshifted = JitProgram.Compile(program, options);
        using var shifted = JitProgram.Compile(program, options with { LayoutShift = shift });
        Assert.That(shifted.CodeSize, Is.EqualTo(unshifted.CodeSize + shift));
        // The same outcome as the interpreter's (r0, units, error and its pc) with budgets that stop it early, just short
        // of its end, at its end, and none.
        var interpreter = Engines.Interpreter;
        var full = interpreter.Run(program, MemoryMap.Standard(program.Executable, []), ulong.MaxValue).ComputeUnits;
        foreach (var budget in new[] { 10UL, full / 2, full - 1, full, full + 1, ulong.MaxValue })
        {
            var expected = interpreter.Run(program, MemoryMap.Standard(program.Executable, []), budget);
            var actual = shifted.Run(MemoryMap.Standard(program.Executable, []), budget);
            Assert.That(actual.Describe(), Is.EqualTo(expected.Describe()), $"budget {budget}");
        }

        // 27 reaches 1 in 111 steps (its Collatz stopping time).
        Assert.That(interpreter.Run(program, MemoryMap.Standard(program.Executable, []), ulong.MaxValue).R0, Is.EqualTo(111UL));
    }

    [TestCase(-1)]
    [TestCase(JitOptions.MaxLayoutShift + 1)]
    public void A_layout_shift_out_of_range_is_refused(int shift) =>
        Assert.That(() => new JitOptions { LayoutShift = shift }, Throws.InstanceOf<ArgumentOutOfRangeException>());

    [Test]
    public void A_blocks_charge_is_blinded_like_a_constant()
    {
        // A block of 0x4142 instructions (then a jump back to it, so a jump makes its charge too; the jump's own block is
        // charged apart, chains being capped): its length is the program's choice, and without blinding
        // `sub r11, 0x4142` carries two chosen bytes.
        const int units = 0x4142;
        var source = "mov r0, 0\nmov r1, 2\nhead:\n" + string.Concat(Enumerable.Repeat("add r0, 1\n", units - 2))
            + "sub r1, 1\njeq r1, 0, done\nja head\ndone:\nexit";
        var program = Vm.Load(Executable.FromAssembly(source, Profile.Tbpf));
        var pattern = BitConverter.GetBytes(units);
        using (var plain = JitProgram.Compile(program, new JitOptions(BlindConstants: false, NopInsertion: false)))
        {
            Assert.That(plain.Code.ToArray().AsSpan().IndexOf(pattern) >= 0, Is.True, "without blinding the charge is there");
        }

        using (var blinded = JitProgram.Compile(program, new JitOptions(NopInsertion: false, Seed: 5)))
        {
            Assert.That(blinded.Code.ToArray().AsSpan().IndexOf(pattern), Is.EqualTo(-1), "with blinding it is not");
        }

        // The split charge checks the meter as the whole one did: the same outcome on every engine at budgets that end
        // inside the first pass, just before and after the second pass's charge, and at the end.
        var executable = Executable.FromAssembly(source, Profile.Tbpf);
        var full = Support.AllEngines.Run(executable, [], ulong.MaxValue).Result.ComputeUnits;
        foreach (var budget in new[] { 5UL, units + 1UL, units + 2UL, 2UL * units, full - 1, full })
        {
            Support.AllEngines.Run(executable, [], budget);
        }
    }

    [TestCase("ldxdw r0, [r1-8]", "AccessViolation")]
    [TestCase("div r0, r2", "DivideByZero")]
    [TestCase("ldxdw r0, [r7+0]", "AccessViolation")]
    public void A_stubs_pc_is_blinded_and_still_reported(string failing, string kind)
    {
        // The failing instruction at pc 0x4142 (two chosen bytes): its stub leaves with that pc, which without blinding
        // is `mov edx, 0x4142` in the code; with blinding only pc ^ the program's key is, and the blinded anchor undoes it.
        // Every engine must report the pc (AllEngines compares the whole error).
        const int pc = 0x4142;
        var source = "mov r7, 0x12\nlsh r7, 28\nmov r2, 0\n" + string.Concat(Enumerable.Repeat("add r0, 1\n", pc - 3)) + failing + "\nexit";
        var program = Vm.Load(Executable.FromAssembly(source, Profile.Tbpf));
        var pattern = BitConverter.GetBytes(pc);
        using (var plain = JitProgram.Compile(program, new JitOptions(BlindConstants: false, NopInsertion: false)))
        {
            Assert.That(plain.Code.ToArray().AsSpan().IndexOf(pattern) >= 0, Is.True, "without blinding the pc is there");
        }

        foreach (var seed in new[] { 1, 2, 3 })
        {
            using var blinded = JitProgram.Compile(program, new JitOptions(NopInsertion: false, Seed: seed));
            Assert.That(blinded.Code.ToArray().AsSpan().IndexOf(pattern), Is.EqualTo(-1), "with blinding it is not");
        }

        var result = Support.AllEngines.Run(Executable.FromAssembly(source, Profile.Tbpf), [], 1_000_000).Result;
        Assert.That(result.Describe(), Does.StartWith($"{kind} at pc {pc},"));
    }

    [Test]
    public void Every_syscall_calls_the_programs_one_shim_routine()
    {
        var syscalls = new Syscalls.SyscallRegistry().Register("count", (_, r1, _, _, _, _) => r1 + 1);
        var source = "mov r1, 0\nsyscall count\nmov r1, r0\nsyscall count\nmov r1, r0\nsyscall count\nexit";
        var program = Vm.Load(Executable.FromAssembly(source, Profile.Tbpf, syscalls));
        using var compiled = JitProgram.Compile(program, new JitOptions(BlindConstants: false, NopInsertion: false));
        var code = Decode(compiled);
        var shimCalls = code.Where(i => i.Mnemonic == Mnemonic.Call && i.Op0Kind == OpKind.Memory).ToList();
        var routineCalls = code.Where(i => i.Mnemonic == Mnemonic.Call && i.Op0Kind == OpKind.NearBranch64).ToList();
        Assert.That(shimCalls, Has.Count.EqualTo(1), "the shim is called from one place");
        Assert.That(routineCalls, Has.Count.EqualTo(3));
        Assert.That(routineCalls.Select(c => c.NearBranchTarget).Distinct().Count(), Is.EqualTo(1));
        Assert.That(routineCalls[0].NearBranchTarget, Is.LessThan(shimCalls[0].IP), "the routine holds the shim call");
        // And the three calls count, 0 + 1 + 1 + 1, on every engine.
        Assert.That(Support.AllEngines.Describe(source, Profile.Tbpf, 1000, syscalls), Does.StartWith("Ok 0x3,"));
    }

    [Test]
    public void Code_is_mapped_read_execute_and_never_writable()
    {
        using var compiled = JitProgram.Compile(Program());
        var address = (ulong)compiled.CodeAddress;
        var mapping = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => (Range: parts[0].Split('-').Select(h => Convert.ToUInt64(h, 16)).ToArray(), Permissions: parts[1]))
            .Single(m => m.Range[0] <= address && address < m.Range[1]);
        // Read-execute, never writable: private for a mapping of its own, shared for the arena's execute view (whose
        // memory the compiler writes through a second, read-write view that is never executable).
        Assert.That(mapping.Permissions, Is.AnyOf("r-xp", "r-xs"));
    }

    [TestCase("callx r1\n", TestName = "A thousand metered callx")]
    [TestCase("sdiv r1, r2\n", TestName = "A thousand guarded signed divisions")]
    [TestCase("lock fetch or [r10-8], r1\n", TestName = "A thousand checked atomics")]
    public void The_largest_instruction_streams_fit_the_code_size_bound(string repeated)
    {
        // Each instruction's code plus its slow-path stubs must stay under the bound the compiler checks,
        // or a valid program would fail to compile.
        var source = string.Concat(Enumerable.Repeat(repeated, 1000)) + "exit";
        using var compiled = JitProgram.Compile(Vm.Load(Executable.FromAssembly(source, Profile.Tbpf)), new JitOptions(Seed: 11));
        Assert.That(compiled.CodeSize, Is.GreaterThan(0));
    }

    [Test]
    public void Disposed_code_is_released_and_refuses_to_run()
    {
        var compiled = JitProgram.Compile(Program());
        compiled.Dispose();
        Assert.That(compiled.IsReleased, Is.True);
        Assert.Throws<ObjectDisposedException>(() => compiled.Run(Memory.MemoryMap.Standard([], [], Profile.Tbpf), 10));
    }
}
