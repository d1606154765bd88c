using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Instruction = Tos.Tbpf.Isa.Instruction;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>Jumps: a compare (or test, for jset) and a conditional x86 jump to the target's block entry.</summary>
internal sealed partial class X64Compiler
{
    private void EmitJump(int pc, Instruction ins)
    {
        var target = _blockEntry[ins.BranchTarget(pc)];
        if (ins.Op is Op.Ja or Op.Ja32)
        {
            _a.jmp(target);
            return;
        }

        // Conditional jumps come in fours per condition: 64 imm, 64 reg, 32 imm, 32 reg.
        var index = ins.Op - Op.Jeq64Imm;
        var condition = index / 4;
        var is64 = index % 4 < 2;
        var isImm = index % 2 == 0;
        var d = R64[ins.Dst];
        var d32 = R32[ins.Dst];
        var isTest = ins.Op is Op.Jset64Imm or Op.Jset64Reg or Op.Jset32Imm or Op.Jset32Reg;
        if (isImm && !_options.BlindConstants)
        {
            if (isTest) { if (is64) _a.test(d, ins.Imm32); else _a.test(d32, ins.Imm32); }
            else if (is64) _a.cmp(d, ins.Imm32);
            else _a.cmp(d32, ins.Imm32);
        }
        else
        {
            var source = isImm ? LoadImmediateInto(rax, ins) : R64[ins.Src];
            var source32 = isImm ? eax : R32[ins.Src];
            if (isTest) { if (is64) _a.test(d, source); else _a.test(d32, source32); }
            else if (is64) _a.cmp(d, source);
            else _a.cmp(d32, source32);
        }

        // Order of Op: jeq, jgt, jge, jset, jne, jsgt, jsge, jlt, jle, jslt, jsle.
        switch (condition)
        {
            case 0: _a.je(target); break;
            case 1: _a.ja(target); break;
            case 2: _a.jae(target); break;
            case 3: _a.jne(target); break;
            case 4: _a.jne(target); break;
            case 5: _a.jg(target); break;
            case 6: _a.jge(target); break;
            case 7: _a.jb(target); break;
            case 8: _a.jbe(target); break;
            case 9: _a.jl(target); break;
            default: _a.jle(target); break;
        }
    }
}
