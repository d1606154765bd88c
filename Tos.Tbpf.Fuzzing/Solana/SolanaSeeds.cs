using System.Text;
using Tos.Tbpf.Assembly;

namespace Tos.Tbpf.Fuzzing.Solana;

/// <summary>Seed <c>.so</c> files for the ELF fuzzer under the sbpf profiles: small programs that use every relocation
/// sbpf applies (V0), and the strict layout with several functions, a syscall and callx (V3, V4), so that mutants reach
/// the relocation code, the symbol tiling and the engines, not just the header checks.</summary>
public static class SolanaSeeds
{
    /// <summary>sBPF V0 seeds.</summary>
    public static IReadOnlyList<byte[]> V0()
    {
        var logging = new SoBuilder { Rodata = Encoding.ASCII.GetBytes("seed"), Text = Code("lddw r1, 0\nmov64 r2, 4\ncall -1\ncall local +1\nexit\nmov64 r0, 1\nexit") };
        logging.Text = Code($"lddw r1, {(1UL << 32) + logging.RodataOffset}\nmov64 r2, 4\ncall -1\ncall local +1\nexit\nmov64 r0, 1\nexit");
        logging.DynamicSymbols.Add(("sol_log_", 0x10, 0));
        logging.Relocations.Add((SoBuilder.TextOffset + 24, SoBuilder.RBpf32, 1));

        var data = new SoBuilder { Rodata = new byte[16], DataRelRo = new byte[8], Text = Code("lddw r1, 0\nlddw r2, 0\nldxdw r0, [r1+0]\ncall -1\nexit\nexit") };
        data.DynamicSymbols.Add(("DATA", 0x11, data.RodataOffset));
        data.DynamicSymbols.Add(("helper", 0x12, SoBuilder.TextOffset + 40));
        data.Relocations.Add((SoBuilder.TextOffset, SoBuilder.RBpf64, 1));
        data.Relocations.Add((SoBuilder.TextOffset + 16, SoBuilder.RBpfRelative, 0));
        data.Relocations.Add((data.DataRelRoOffset, SoBuilder.RBpfRelative, 0));
        data.Relocations.Add((SoBuilder.TextOffset + 40, SoBuilder.RBpf32, 2));
        return [logging.Build(), data.Build()];
    }

    /// <summary>Strict-layout seeds with the given e_flags (3 for V3, 4 for V4).</summary>
    public static IReadOnlyList<byte[]> Strict(uint flags)
    {
        var callx = new StrictSoBuilder
        {
            Flags = flags, Bytecode = Code("lddw r2, 0x20\ncallx r2\nexit\nmov64 r0, 5\nexit"), Functions = [(0, 32), (32, 16)],
        };
        var syscall = new StrictSoBuilder
        {
            Flags = flags, Rodata = Encoding.ASCII.GetBytes("seed"),
            Bytecode = Code("lddw r1, 0x100000000\nmov64 r2, 4\nsyscall sol_log_\ncall local +1\nexit\nmov64 r0, 9\nexit"),
            Functions = [(0, 48), (48, 16)],
        };
        return [callx.Build(), syscall.Build()];
    }

    private static byte[] Code(string asm) => Assembler.AssembleBytes(asm);
}
