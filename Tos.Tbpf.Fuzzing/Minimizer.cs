using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Fuzzing;

/// <summary>
/// Shrinks a mismatch by delta debugging: chunks of instructions, halving in size, are replaced by no-ops
/// (<c>ja +0</c>, which keeps every slot and so every jump offset valid) while the mismatch persists; then each remaining
/// immediate and offset is tried at zero.
/// </summary>
public static class Minimizer
{
    /// <summary>The smallest program found that still mismatches (the original when nothing smaller does).</summary>
    public static Mismatch Minimize(DifferentialFuzzer fuzzer, Mismatch mismatch, int maxChecks = 2000)
    {
        var best = mismatch;
        var checks = 0;
        var slots = best.Bytecode.Length / Decoder.SlotSize;
        for (var chunk = Math.Max(1, slots / 2); chunk >= 1 && checks < maxChecks; chunk /= 2)
        {
            for (var start = 0; start < slots && checks < maxChecks; start += chunk)
            {
                var candidate = (byte[])best.Bytecode.Clone();
                var changed = false;
                for (var slot = start; slot < Math.Min(slots, start + chunk); slot++)
                {
                    changed |= Neutralize(candidate, slot);
                }

                if (!changed)
                {
                    continue;
                }

                checks++;
                if (fuzzer.Recheck(candidate, best.Input, best.Run) is { } smaller)
                {
                    best = smaller;
                }
            }
        }

        var instructions = Decoder.Decode(best.Bytecode);
        for (var pc = 0; pc < instructions.Length && checks < maxChecks; pc++)
        {
            foreach (var simplify in new Func<Instruction, Instruction>[] { i => i with { Imm = 0 }, i => i with { Offset = 0 } })
            {
                var current = Decoder.Decode(best.Bytecode);
                if (current[pc].Op is Op.Invalid or Op.LddwTail or Op.Ja or Op.Ja32 || current[pc].Info.IsJump)
                {
                    continue;
                }

                var simpler = simplify(current[pc]);
                if (simpler == current[pc])
                {
                    continue;
                }

                current[pc] = simpler;
                checks++;
                if (fuzzer.Recheck(Encoder.Encode(current), best.Input, best.Run) is { } smaller)
                {
                    best = smaller;
                }
            }
        }

        return best;
    }

    // One slot becomes `ja +0`, unless it is already one or is the program's last instruction (which must stay an exit).
    private static bool Neutralize(byte[] bytecode, int slot)
    {
        var at = slot * Decoder.SlotSize;
        if (at + Decoder.SlotSize >= bytecode.Length || (bytecode[at] == 0x05 && bytecode.AsSpan(at + 1, 7).IndexOfAnyExcept((byte)0) < 0))
        {
            return false;
        }

        bytecode.AsSpan(at, Decoder.SlotSize).Clear();
        bytecode[at] = 0x05;
        return true;
    }
}
