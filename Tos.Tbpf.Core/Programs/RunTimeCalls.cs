using System.Buffers.Binary;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Programs;

/// <summary>
/// The code the engines run for a profile that leaves calls and the end of the text to run time (the sbpf profiles):
/// each call is resolved once, at load, to a syscall, a local call or a <see cref="Op.Trap"/>, and a trap for
/// <c>ExecutionOverrun</c> follows the last slot. For every other profile the engines run the decoded text itself.
/// </summary>
public static class RunTimeCalls
{
    /// <summary>The key sbpf V0 gives the function at <paramref name="pc"/>: Murmur3-32 of the slot number as
    /// 8 little-endian bytes (the entry point is keyed by the name <c>entrypoint</c> instead).</summary>
    public static uint FunctionKey(long pc)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, pc);
        return Murmur3.Hash32(bytes);
    }

    /// <summary>The key of the entry point under sbpf V0.</summary>
    public static uint EntrypointKey { get; } = Murmur3.HashName("entrypoint");

    /// <summary>The V0 function registry of raw bytecode, which carries no symbols: every instruction start may be called
    /// by its <see cref="FunctionKey"/>, and the entry point by <see cref="EntrypointKey"/>. A key that a syscall already
    /// holds is left out (sbpf refuses such a collision when it registers a function).</summary>
    public static Dictionary<uint, long> EveryInstruction(Instruction[] decoded, long entryPc, SyscallRegistry syscalls)
    {
        var functions = new Dictionary<uint, long>(decoded.Length + 1);
        for (var pc = 0; pc < decoded.Length; pc++)
        {
            var key = FunctionKey(pc);
            if (decoded[pc].Op != Op.LddwTail && !syscalls.TryGet(key, out _))
            {
                functions.TryAdd(key, pc);
            }
        }

        if (!syscalls.TryGet(EntrypointKey, out _))
        {
            functions[EntrypointKey] = entryPc;
        }

        return functions;
    }

    /// <summary>The engines' code for <paramref name="decoded"/> under <paramref name="profile"/>.</summary>
    public static Instruction[] Resolve(Instruction[] decoded, Profile profile, SyscallRegistry syscalls,
        IReadOnlyDictionary<uint, long> functions)
    {
        if (!profile.CallsResolvedAtRunTime && !profile.ExecutionOverrunAtRunTime)
        {
            return decoded;
        }

        var slots = decoded.Length;
        var code = new Instruction[slots + (profile.ExecutionOverrunAtRunTime ? 1 : 0)];
        decoded.CopyTo(code, 0);
        if (profile.ExecutionOverrunAtRunTime)
        {
            code[slots] = Trap(TrapReason.ExecutionOverrun);
        }

        if (!profile.CallsResolvedAtRunTime)
        {
            return code;
        }

        for (var pc = 0; pc < slots; pc++)
        {
            var ins = code[pc];
            if (ins.Op == Op.Call)
            {
                code[pc] = ResolveCall(decoded, ins, pc, profile, syscalls, functions);
            }
            else if (ins.Op == Op.CallLocal && (ulong)ins.BranchTarget(pc) >= (ulong)slots)
            {
                code[pc] = Trap(TrapReason.UnsupportedInstruction) with { Opcode = ins.Opcode };
            }
        }

        return code;
    }

    private static Instruction ResolveCall(Instruction[] decoded, Instruction ins, int pc, Profile profile, SyscallRegistry syscalls,
        IReadOnlyDictionary<uint, long> functions)
    {
        var key = (uint)ins.Imm32;
        var hashedEverything = profile.Calls == CallEncoding.SyscallOrFunctionHash;
        if ((hashedEverything || ins.Src == 0) && syscalls.TryGet(key, out _))
        {
            return ins with { Src = 0 };
        }

        if (hashedEverything && functions.TryGetValue(key, out var target))
        {
            if ((ulong)target >= (ulong)decoded.Length)
            {
                return Trap(TrapReason.CallOutsideText) with { Opcode = ins.Opcode };
            }

            // A local call like any other: relative to the next slot.
            return Encoder.Make(Op.CallLocal, imm: (int)(target - pc - 1)) with { Opcode = ins.Opcode };
        }

        return Trap(TrapReason.UnsupportedInstruction) with { Opcode = ins.Opcode };
    }

    private static Instruction Trap(TrapReason reason) => new(Op.Trap, 0, 0, 0, 0, (long)reason);
}
