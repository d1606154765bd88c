using Tos.Tbpf.Isa;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Bench;

/// <summary>
/// Large programs of one instruction mix, to measure compile throughput and its worst case: each mix repeats a short
/// pattern of verifiable instructions up to the asked size (in slots) and ends with exit. The programs are compiled,
/// never run. <c>callx</c> is the costliest instruction to compile (a metered indirect call, a target table entry per
/// slot), then syscalls (registers spilled and reloaded around the shim); memory accesses carry an inline window check
/// and two slow paths each; a counted loop adds a guard and an unchecked copy.
/// </summary>
public static class CompileMix
{
    /// <summary>The mixes.</summary>
    public static readonly string[] Names = ["alu", "memory", "branch", "division", "callx", "syscall", "call", "loop", "mixed"];

    /// <summary>The sizes, in slots: 1 k, 10 k, 100 k and 1 MiB of bytecode.</summary>
    public static readonly int[] Sizes = [1_000, 10_000, 100_000, 1024 * 1024 / 8];

    /// <summary>A verified program of <paramref name="mix"/> with <paramref name="slots"/> slots.</summary>
    public static VerifiedExecutable Build(string mix, int slots) => Load(Bytecode(mix, slots));

    /// <summary>Loads and verifies bytecode as a deploy does (tbpf profile): what <c>ProgramSizeBenchmarks</c> times.</summary>
    public static VerifiedExecutable Load(byte[] bytecode) => Vm.Load(Executable.FromBytecode(bytecode, Profile.Tbpf, Syscalls));

    // The node's syscalls, made once: the syscall mix calls one of them.
    private static readonly Tos.Tbpf.Syscalls.SyscallRegistry Syscalls = Tos.Tbpf.Host.TosSyscalls.Registry();

    /// <summary>Compiles with metering and hardening on and unmaps the code; returns its size (what the compile
    /// benchmarks time).</summary>
    public static int Compile(VerifiedExecutable program)
    {
        using var compiled = Tos.Tbpf.Jit.JitProgram.Compile(program);
        return compiled.CodeSize;
    }

    /// <summary>The bytecode of <see cref="Build"/>, for measuring load and verification.</summary>
    public static byte[] Bytecode(string mix, int slots)
    {
        var pattern = Pattern(mix);
        var code = new List<Instruction>(slots);
        for (var i = 0; code.Count < slots - 1; i++)
        {
            var instruction = pattern[i % pattern.Length];
            // A jump near the end may not leave the text: the exit is the last slot.
            var jumpsPastExit = instruction.Info.IsJump && code.Count + 1 + instruction.Offset > slots - 1;
            code.Add(jumpsPastExit ? Encoder.Make(Op.Add64Imm, 1, imm: 1) : instruction);
        }

        code.Add(Encoder.Make(Op.Exit));
        return Encoder.Encode(code);
    }

    private static Instruction[] Pattern(string mix) => mix switch
    {
        // Large constants (blinded when hardening is on) and small ones, 64- and 32-bit, imm and register forms.
        "alu" =>
        [
            Encoder.Make(Op.Add64Imm, 1, imm: 0x12345), Encoder.Make(Op.Mul64Reg, 2, 1), Encoder.Make(Op.Xor32Imm, 3, imm: 7),
            Encoder.Make(Op.Lsh64Imm, 4, imm: 13), Encoder.Make(Op.Mov32Imm, 5, imm: 0x7654321), Encoder.Make(Op.Sub64Reg, 1, 5),
            Encoder.Make(Op.And64Imm, 2, imm: 0xff00ff), Encoder.Make(Op.Arsh32Reg, 3, 4),
        ],
        "memory" =>
        [
            Encoder.Make(Op.StxDw, 10, 1, offset: -8), Encoder.Make(Op.LdxDw, 2, 10, offset: -16), Encoder.Make(Op.StW, 1, offset: 4, imm: 0x5a5a5a),
            Encoder.Make(Op.LdxB, 3, 1, offset: 0x1234), Encoder.Make(Op.StxH, 1, 3, offset: -0x3c3d), Encoder.Make(Op.LdxSW, 4, 10, offset: -512),
        ],
        // Conditional jumps to the next slot but one and back-to-back blocks: many block entries to meter.
        "branch" =>
        [
            Encoder.Make(Op.Jeq64Imm, 1, offset: 1, imm: 0x4321), Encoder.Make(Op.Add64Imm, 1, imm: 1), Encoder.Make(Op.Jgt32Reg, 2, 3, offset: 0),
            Encoder.Make(Op.Jset64Imm, 4, offset: 1, imm: 8), Encoder.Make(Op.Ja, offset: 0), Encoder.Make(Op.Jsle64Reg, 5, 1, offset: 0),
        ],
        "division" =>
        [
            Encoder.Make(Op.Div64Reg, 1, 2), Encoder.Make(Op.Mod32Imm, 3, imm: 0x1001), Encoder.Make(Op.SDiv64Reg, 4, 5),
            Encoder.Make(Op.SMod32Reg, 2, 3), Encoder.Make(Op.Div64Imm, 5, imm: 7),
        ],
        "callx" => [Encoder.Make(Op.Callx, 1)],
        // Every syscall spills and reloads the registers around the shim; every local call pushes and pops a frame.
        "syscall" => [Encoder.Make(Op.Call, imm: (int)Tos.Tbpf.Syscalls.Murmur3.HashName("tos_log"))],
        "call" => [Encoder.Make(Op.CallLocal, src: 1, imm: 0)],
        // Back-to-back counted loops of three slots, with a blinded offset and bound: each gets a guard, an unchecked copy
        // and padding besides its checked code (the most code per slot of any loop).
        "loop" =>
        [
            Encoder.Make(Op.LdxDw, 3, 4, offset: 0x1234), Encoder.Make(Op.Add64Imm, 4, imm: 8), Encoder.Make(Op.Jne64Imm, 4, offset: -3, imm: 0x12345),
        ],
        "mixed" =>
        [
            Encoder.Make(Op.Add64Imm, 1, imm: 0x12345), Encoder.Make(Op.StxDw, 10, 1, offset: -8), Encoder.Make(Op.LdxDw, 2, 10, offset: -8),
            Encoder.Make(Op.Jeq64Imm, 2, offset: 1, imm: 7), Encoder.Make(Op.Xor64Reg, 0, 2), Encoder.Make(Op.Rsh64Imm, 0, imm: 1),
            Encoder.Make(Op.Mul64Imm, 3, imm: 3), Encoder.Make(Op.Or64Reg, 0, 3), Encoder.Make(Op.Div64Reg, 4, 3), Encoder.Make(Op.Mov64Reg, 6, 0),
        ],
        _ => throw new ArgumentException($"unknown mix '{mix}'", nameof(mix)),
    };
}
