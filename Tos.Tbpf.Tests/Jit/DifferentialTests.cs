using NUnit.Framework;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;
using Tos.Tbpf.Syscalls;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>
/// Interpreter against JIT on generated programs: every register seeded with an edge value, random ALU, division,
/// shift, byte-swap and jump instructions (straight-line and looping), then all registers stored to the stack so
/// that the memory comparison covers every one. <see cref="AllEngines"/> compares result, error, pc, units, memory.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class DifferentialTests
{
    private static readonly ulong[] EdgeValues =
    [
        0, 1, ulong.MaxValue, 0x8000_0000, 0x7fff_ffff, 0xffff_ffff, 0x1_0000_0000, 0x8000_0000_0000_0000, long.MaxValue,
        31, 32, 63, 64, 0xffff_ffff_8000_0000, 2, 0x8000, 0xff,
    ];

    private static readonly Op[] ArithmeticOps = OpcodeTable.All
        .Where(r => r.Op is >= Op.Add32Imm and <= Op.Bswap64)
        .Select(r => r.Op).ToArray();

    [Test]
    public void Straight_line_arithmetic_agrees([Values("tbpf", "rfc9669", "sbpfv0", "sbpfv3")] string profile, [Range(1, 150)] int seed) =>
        Compare(profile, seed, loops: false);

    [Test]
    public void Looping_arithmetic_agrees([Values("tbpf", "rfc9669", "sbpfv0", "sbpfv3")] string profile, [Range(1, 100)] int seed) =>
        Compare(profile, seed, loops: true);

    private static void Compare(string profileName, int seed, bool loops)
    {
        var profile = Profile.ByName(profileName)!;
        var random = new Random(seed * 7919 + (loops ? 1 : 0));
        var code = new List<Instruction>();
        for (byte r = 0; r <= 9; r++)
        {
            code.Add(Encoder.Make(Op.Lddw, dst: r, imm: (long)EdgeValues[random.Next(EdgeValues.Length)]));
            code.Add(new Instruction(Op.LddwTail, 0, 0, 0, 0, 0));
        }

        var bodyStart = code.Count;
        var ops = ArithmeticOps.Where(op => (OpcodeTable.Get(op).Requires & profile.Features) == OpcodeTable.Get(op).Requires).ToArray();
        var jmp32 = (profile.Features & IsaFeatures.Jmp32) != 0;
        for (var i = 0; i < 40; i++)
        {
            var op = ops[random.Next(ops.Length)];
            var row = OpcodeTable.Get(op);
            var imm = random.Next(3) == 0 ? (int)EdgeValues[random.Next(EdgeValues.Length)] : random.Next(-70, 70);
            if (profile.RejectOutOfRangeImmediates)
            {
                imm = op switch
                {
                    Op.Div32Imm or Op.Div64Imm or Op.Mod32Imm or Op.Mod64Imm or Op.SDiv32Imm or Op.SDiv64Imm or Op.SMod32Imm or Op.SMod64Imm when imm == 0 => -1,
                    Op.Lsh32Imm or Op.Rsh32Imm or Op.Arsh32Imm => imm & 31,
                    Op.Lsh64Imm or Op.Rsh64Imm or Op.Arsh64Imm => imm & 63,
                    _ => imm,
                };
            }

            var dst = (byte)random.Next(10);
            code.Add(row.Shape switch
            {
                OperandShape.Dst => Encoder.Make(op, dst: dst),
                OperandShape.DstImm => Encoder.Make(op, dst: dst, imm: imm),
                _ => Encoder.Make(op, dst: dst, src: (byte)random.Next(11)),
            });
            if (loops && random.Next(8) == 0)
            {
                // A conditional jump back to the start of the body: loops until the registers happen to differ,
                // bounded by the budget.
                var back = bodyStart - code.Count - 1;
                code.Add(random.Next(2) == 0
                    ? Encoder.Make(Op.Jne64Reg, dst: (byte)random.Next(10), src: (byte)random.Next(10), offset: (short)back)
                    : Encoder.Make(jmp32 ? Op.Jsgt32Imm : Op.Jsgt64Imm, dst: (byte)random.Next(10), imm: random.Next(-3, 3), offset: (short)back));
            }
        }

        for (byte r = 0; r <= 9; r++)
        {
            code.Add(Encoder.Make(Op.StxDw, dst: 10, src: r, offset: (short)(-8 * (r + 1))));
        }

        code.Add(Encoder.Make(Op.Exit));
        var bytes = Encoder.Encode(code);

        var outcome = AllEngines.Run(Executable.FromBytecode(bytes, profile), [], budget: 20_000);

        Assert.That(outcome.Result.ComputeUnits, Is.GreaterThan(0UL));
    }

    [Test]
    public void Every_budget_gives_the_same_outcome_on_every_engine([Range(0, 10)] int program)
    {
        var sources = new[]
        {
            // Branches and a loop.
            "mov r0, 0\nmov r1, 5\nloop:\nadd r0, r1\njset r0, 1, odd\nsub r1, 1\nodd:\nsub r1, 1\njsgt r1, 0, loop\nexit",
            // Local calls, nested, with exits at several depths.
            "mov r1, 3\ncall f\nadd r0, 1\nexit\nf:\njeq r1, 0, leaf\nsub r1, 1\ncall f\nadd r0, 2\nexit\nleaf:\nmov r0, 10\nexit",
            // A fault at the end of a long block.
            "mov r0, 1\nadd r0, 2\nmul r0, 3\nlddw r1, 0x10\nldxdw r2, [r1+0]\nexit",
            // Division by zero mid-block.
            "mov r0, 9\nmov r1, 0\nadd r0, 1\ndiv r0, r1\nadd r0, 1\nexit",
            // callx into the middle of a block.
            "lddw r2, 0x100000038\ncallx r2\nadd r0, 1\nexit\nmov r0, 1\nmov r0, 2\nmov r0, 3\nadd r0, 4\nexit",
            // Memory in a loop on the stack.
            "mov r1, r10\nsub r1, 64\nmov r2, 8\nfill:\nstxdw [r1+0], r2\nadd r1, 8\nsub r2, 1\njne r2, 0, fill\nldxdw r0, [r10-8]\nexit",
            // Metering chains (blocks that fall through from conditional jumps, charged together): Collatz steps, whose
            // taken jumps leave a chain early and give back its rest.
            "mov r0, 0\nmov r1, 1\nouter:\nmov r2, r1\nstep:\njeq r2, 1, next\njset r2, 1, odd\nrsh r2, 1\nadd r0, 1\nja step\n"
                + "odd:\nmul r2, 3\nadd r2, 1\nadd r0, 1\nja step\nnext:\nadd r1, 1\njle r1, 7, outer\nexit",
            // The same chains in a function called at depth 1 and 2, and in frame 0 between the calls, where a chain that
            // does not fit hands over to the interpreter and a taken jump out of it reaches a call and an exit.
            "mov r6, 0\nmov r1, 6\ncall collatz\nadd r6, r0\njeq r6, 0, done\njset r6, 1, done\nadd r6, 1\nmov r1, 7\ncall twice\n"
                + "add r6, r0\ndone:\nmov r0, r6\nexit\n"
                + "twice:\ncall collatz\nmov r7, r0\njeq r7, 0, back\nadd r7, r7\nback:\nmov r0, r7\nexit\n"
                + "collatz:\nmov r0, 0\nstep:\njeq r1, 1, out\njset r1, 1, odd\nrsh r1, 1\nadd r0, 1\nja step\n"
                + "odd:\nmul r1, 3\nadd r1, 1\nadd r0, 1\nja step\nout:\nexit",
            // One chain longer than the cap: 40 conditional jumps, none taken, each followed by 9 instructions.
            string.Concat(Enumerable.Range(0, 40).Select(i => $"jeq r0, {i + 1000}, end\n" + string.Concat(Enumerable.Repeat("add r0, 1\n", 9))))
                + "end:\nexit",
            // Counted loops (the JIT's guarded unchecked copies): stores through a pointer from r10, then loads through an
            // unchanging register plus the induction register, inside a function called twice; each budget that ends
            // inside a loop must stop at the same instruction with the same units.
            "mov r6, 0\ncall f\nadd r6, r0\ncall f\nadd r0, r6\nexit\n"
                + "f:\nmov r1, r10\nsub r1, 64\nmov r2, r1\nmov r3, 3\nfill:\nstxdw [r2+0], r3\nadd r2, 8\njne r2, r10, fill\n"
                + "mov r0, 0\nmov r4, 0\nsum:\nmov r5, r1\nadd r5, r4\nldxb r7, [r5+0]\nadd r0, r7\nadd r4, 1\njne r4, 64, sum\nexit",
            // A counted loop whose bound lies 8 bytes past the end of the 32 KiB heap: the 17th load faults, at every
            // budget the same way.
            "lddw r1, 0x300007ff0\nlddw r5, 0x300008008\nmov r0, 0\nloop:\nldxb r3, [r1+0]\nadd r0, r3\nadd r1, 1\njne r1, r5, loop\nexit",
        };
        var executable = Executable.FromAssembly(sources[program], Profile.Tbpf);
        var full = AllEngines.Run(executable, [], ulong.MaxValue).Result.ComputeUnits;
        for (ulong budget = 0; budget <= full + 1; budget++)
        {
            // AllEngines asserts that every engine reports the same result, pc and units for this budget.
            var result = AllEngines.Run(executable, [], budget).Result;
            Assert.That(result.ComputeUnits, Is.LessThanOrEqualTo(budget));
        }
    }

    [Test]
    public void Syscalls_at_call_depth_run_with_an_aligned_stack()
    {
        // The shim runs managed code (which uses aligned SIMD spills) from inside nested local calls.
        var syscalls = new SyscallRegistry().Register("vector_sum", (_, r1, r2, _, _, _) =>
        {
            var v = System.Runtime.Intrinsics.Vector128.Create(r1, r2);
            return System.Runtime.Intrinsics.Vector128.Sum(v * v);
        });
        var asm = "mov r6, 3\ncall f\nexit\nf:\njeq r6, 0, base\nsub r6, 1\ncall f\nexit\nbase:\nmov r1, 3\nmov r2, 4\nsyscall vector_sum\nexit";
        Assert.That(AllEngines.Describe(asm, Profile.Tbpf, 1000, syscalls), Does.StartWith("Ok 0x19"));
        // Through callx (the JIT's callx routine pads its frame to keep the same alignment), then a local call.
        var viaCallx = "lddw r2, 0x100000020\ncallx r2\nexit\ncall g\nexit\ng:\nmov r1, 3\nmov r2, 4\nsyscall vector_sum\nexit";
        Assert.That(AllEngines.Describe(viaCallx, Profile.Tbpf, 1000, syscalls), Does.StartWith("Ok 0x19"));
    }
}
