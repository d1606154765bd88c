using System.Text;
using Tos.Tbpf.Programs;

namespace Tos.Tbpf.Bench;

/// <summary>A long straight-and-branchy program (100 000 slots of ALU, memory and jumps) to measure compile throughput.</summary>
public static class LargeProgram
{
    public const string Name = "large_100k";
    public const int Repeats = 10_000;

    public static VerifiedExecutable Load()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Repeats; i++)
        {
            // 10 slots per repeat.
            text.Append($"""
                mov r1, {i}
                add r1, r2
                mul r1, 3
                stxdw [r10-8], r1
                ldxdw r3, [r10-8]
                jeq r3, 7, +2
                xor r0, r3
                rsh r0, 1
                lsh r3, 5
                or r0, r3

                """);
        }

        text.Append("exit\n");
        return Vm.Load(Executable.FromAssembly(text.ToString(), Profile.Tbpf));
    }

    /// <summary>The slots of a workload's text, for the compile-rate column.</summary>
    public static int Slots(string workload) =>
        workload == Name ? Repeats * 10 + 1 : Workload.Named(workload).Load().Executable.Instructions.Length;
}
