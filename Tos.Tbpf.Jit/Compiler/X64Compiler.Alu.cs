using Iced.Intel;
using Tos.Tbpf.Jit.Compiler.Emission;
using Tos.Tbpf.Isa;
using Instruction = Tos.Tbpf.Isa.Instruction;
using Tos.Tbpf.Jit.Runtime;
using static Iced.Intel.AssemblerRegisters;
using static Tos.Tbpf.Jit.Compiler.RegisterMap;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>Arithmetic: 32-bit forms write 32-bit x86 registers, which zero-extends for free.</summary>
internal sealed partial class X64Compiler
{
    private void EmitBinaryAlu(int pc, Instruction ins, OpcodeInfo row)
    {
        EmitBinaryAluOperation(pc, ins, row);
        if (_profile.SignExtend32Results && !row.Is64 && row.Alu is AluOperation.Add or AluOperation.Sub or AluOperation.Mul)
        {
            _a.movsxd(R64[ins.Dst], R32[ins.Dst]);
        }
    }

    private void EmitBinaryAluOperation(int pc, Instruction ins, OpcodeInfo row)
    {
        var (kind, is64, isImm) = (row.Alu, row.Is64, row.UsesImmediate);
        var d = R64[ins.Dst];
        var d32 = R32[ins.Dst];
        if (kind is AluOperation.Div or AluOperation.SDiv or AluOperation.Mod or AluOperation.SMod)
        {
            EmitDivision(pc, ins, kind, is64, isImm);
            return;
        }

        if (kind == AluOperation.Mov)
        {
            if (isImm && is64) LoadImmediate(d, ins.Imm, rax);
            else if (isImm) LoadImmediate32(d32, ins.Imm32);
            else if (is64) _a.mov(d, R64[ins.Src]);
            else _a.mov(d32, R32[ins.Src]);
            return;
        }

        if (kind is AluOperation.Lsh or AluOperation.Rsh or AluOperation.Arsh)
        {
            EmitShift(kind, is64, isImm, ins);
            return;
        }

        // Without blinding the imm forms are used directly; with it, the constant is rebuilt in rax first.
        if (isImm && !NeedsBlinding(ins.Imm32))
        {
            var imm = ins.Imm32;
            switch (kind)
            {
                case AluOperation.Add: if (is64) _a.add(d, imm); else _a.add(d32, imm); return;
                case AluOperation.Sub: if (is64) _a.sub(d, imm); else _a.sub(d32, imm); return;
                case AluOperation.Or: if (is64) _a.or(d, imm); else _a.or(d32, imm); return;
                case AluOperation.And: if (is64) _a.and(d, imm); else _a.and(d32, imm); return;
                case AluOperation.Xor: if (is64) _a.xor(d, imm); else _a.xor(d32, imm); return;
                case AluOperation.Mul: if (is64) _a.imul(d, d, imm); else _a.imul(d32, d32, imm); return;
            }
        }

        var source = isImm ? LoadImmediateInto(rax, ins) : R64[ins.Src];
        var source32 = isImm ? eax : R32[ins.Src];
        switch (kind)
        {
            case AluOperation.Add: if (is64) _a.add(d, source); else _a.add(d32, source32); break;
            case AluOperation.Sub: if (is64) _a.sub(d, source); else _a.sub(d32, source32); break;
            case AluOperation.Or: if (is64) _a.or(d, source); else _a.or(d32, source32); break;
            case AluOperation.And: if (is64) _a.and(d, source); else _a.and(d32, source32); break;
            case AluOperation.Xor: if (is64) _a.xor(d, source); else _a.xor(d32, source32); break;
            case AluOperation.Mul: if (is64) _a.imul(d, source); else _a.imul(d32, source32); break;
            default: throw new JitException($"{ins.Op} is not a binary ALU op");
        }
    }

    /// <summary>Shifts by a register use BMI2 <c>shlx/shrx/sarx</c>: any count register, count masked to the width, RCX
    /// untouched; shifts by a constant use the imm8 forms.</summary>
    private void EmitShift(AluOperation kind, bool is64, bool isImm, Instruction ins)
    {
        var d = R64[ins.Dst];
        var d32 = R32[ins.Dst];
        // A shift count is masked to 0..63: one byte at most, never worth blinding.
        if (isImm)
        {
            var count = (byte)(ins.Imm32 & (is64 ? 63 : 31));
            switch (kind)
            {
                case AluOperation.Lsh: if (is64) _a.shl(d, count); else _a.shl(d32, count); break;
                case AluOperation.Rsh: if (is64) _a.shr(d, count); else _a.shr(d32, count); break;
                default: if (is64) _a.sar(d, count); else _a.sar(d32, count); break;
            }

            return;
        }

        var c = R64[ins.Src];
        var c32 = R32[ins.Src];
        switch (kind)
        {
            case AluOperation.Lsh: if (is64) _a.shlx(d, d, c); else _a.shlx(d32, d32, c32); break;
            case AluOperation.Rsh: if (is64) _a.shrx(d, d, c); else _a.shrx(d32, d32, c32); break;
            default: if (is64) _a.sarx(d, d, c); else _a.sarx(d32, d32, c32); break;
        }
    }

    /// <summary>
    /// Division and remainder with explicit guards: a zero divisor and signed <c>MIN / -1</c> never reach
    /// <c>div</c>/<c>idiv</c> (which would raise #DE); they trap or give the RFC 9669 result per profile. By a register,
    /// the guarded sequence depends only on the opcode, the registers and the profile: captured once per process and
    /// copied, its traps going to this instruction's stubs (built form by form it was most of compiling a division).
    /// </summary>
    private void EmitDivision(int pc, Instruction ins, AluOperation kind, bool is64, bool isImm)
    {
        var d = R64[ins.Dst];
        var d32 = R32[ins.Dst];
        var signed = kind is AluOperation.SDiv or AluOperation.SMod;
        var remainder = kind is AluOperation.Mod or AluOperation.SMod;
        if (isImm)
        {
            var divisor = is64 ? ins.Imm : ins.Imm32;
            if (divisor == 0)
            {
                // Only under RFC 9669 (the verifier rejects it elsewhere): quotient 0, remainder = dividend.
                EmitDivisionByZeroResult(_a, remainder, is64, d32);
            }
            else if (signed && divisor == -1)
            {
                EmitDivisionByMinusOne(_a, remainder, is64, d, d32, _profile.SignedOverflowTraps ? Stub(JitStatus.DivideOverflow, pc) : default);
            }
            else
            {
                LoadImmediate(rax, divisor, rdx);
                _a.mov(Field(JitContext.ScratchOffset), rax);
                EmitDivide(_a, signed, remainder, is64, d, d32, divisorInScratch: true, default, default);
            }

            return;
        }

        var key = new DivisionKey(ins.Op, ins.Dst, ins.Src, _profile.DivisionByZeroTraps, _profile.SignedOverflowTraps);
        var table = key.Packed;
        var sequence = DivisionSequences.Find(table) ?? DivisionSequences.Add(CaptureDivision(key).WithKey(table));
        // Each trap's stub is entered by one branch, which the stub patches (no label); a trap the profile does not have
        // has no branch.
        Span<int> stubs = stackalloc int[2];
        _a.Emit(sequence, [default, default], stubs);
        if (stubs[0] >= 0)
        {
            DeferExit(JitStatus.DivideByZero, pc, stubs[0]);
        }

        if (stubs[1] >= 0)
        {
            DeferExit(JitStatus.DivideOverflow, pc, stubs[1]);
        }
    }

    /// <summary>What a division by a register's sequence depends on: its opcode (operation and width), its registers and
    /// whether the profile traps a zero divisor and signed overflow.</summary>
    private readonly record struct DivisionKey(Op Op, byte Dst, byte Src, bool ZeroTraps, bool OverflowTraps)
    {
        /// <summary>The key as one word, for the table: one probe per division instead of a concurrent dictionary's
        /// struct hash and equality.</summary>
        public ulong Packed => (ulong)Op | (ulong)(Dst & 15) << 8 | (ulong)(Src & 15) << 12
            | (ZeroTraps ? 1UL << 16 : 0) | (OverflowTraps ? 1UL << 17 : 0) | 1UL << 63;
    }

    private static readonly PublishedTable<Macro> DivisionSequences = new(1 << 14);

    /// <summary>The guarded division by a register; external label 0 is the zero-divisor trap, 1 the overflow trap (each
    /// used only when the key traps it).</summary>
    private static Macro CaptureDivision(DivisionKey key) =>
        X64Emitter.Capture(2, (a, labels) =>
        {
            var row = OpcodeTable.Get(key.Op);
            var signed = row.Alu is AluOperation.SDiv or AluOperation.SMod;
            var remainder = row.Alu is AluOperation.Mod or AluOperation.SMod;
            var is64 = row.Is64;
            var (d, d32, s, s32) = (R64[key.Dst], R32[key.Dst], R64[key.Src], R32[key.Src]);
            var done = a.CreateLabel();
            var nonZero = a.CreateLabel();
            if (is64) a.test(s, s); else a.test(s32, s32);
            if (key.ZeroTraps)
            {
                a.jz(labels[0]);
            }
            else
            {
                a.jnz(nonZero);
                EmitDivisionByZeroResult(a, remainder, is64, d32);
                a.jmp(done);
            }

            a.Bind(nonZero);
            if (signed)
            {
                var normal = a.CreateLabel();
                if (is64) a.cmp(s, -1); else a.cmp(s32, -1);
                a.jne(normal);
                EmitDivisionByMinusOne(a, remainder, is64, d, d32, key.OverflowTraps ? labels[1] : default);
                a.jmp(done);
                a.Bind(normal);
            }

            EmitDivide(a, signed, remainder, is64, d, d32, divisorInScratch: false, s, s32);
            a.Bind(done);
        });

    /// <summary>The divide itself; the divisor is <paramref name="s"/> (<paramref name="s32"/>), or the context's scratch
    /// word when <paramref name="divisorInScratch"/> (a constant divisor: rax and rdx are taken by the dividend).</summary>
    private static void EmitDivide(X64Emitter a, bool signed, bool remainder, bool is64, AssemblerRegister64 d, AssemblerRegister32 d32,
        bool divisorInScratch, AssemblerRegister64 s, AssemblerRegister32 s32)
    {
        if (is64) a.mov(rax, d); else a.mov(eax, d32);
        if (signed) { if (is64) a.cqo(); else a.cdq(); }
        else a.xor(edx, edx);

        if (divisorInScratch)
        {
            var m = is64 ? __qword_ptr[Context + JitContext.ScratchOffset] : __dword_ptr[Context + JitContext.ScratchOffset];
            if (signed) a.idiv(m); else a.div(m);
        }
        else if (is64)
        {
            if (signed) a.idiv(s); else a.div(s);
        }
        else
        {
            if (signed) a.idiv(s32); else a.div(s32);
        }

        if (is64) a.mov(d, remainder ? rdx : rax); else a.mov(d32, remainder ? edx : eax);
    }

    private static void EmitDivisionByZeroResult(X64Emitter a, bool remainder, bool is64, AssemblerRegister32 d32)
    {
        if (!remainder) a.xor(d32, d32);
        else if (!is64) a.mov(d32, d32);
    }

    /// <summary><c>x / -1 = -x</c> and <c>x % -1 = 0</c>, wrapping at MIN, unless the profile traps MIN / -1: then
    /// <paramref name="overflow"/> is the trap.</summary>
    private static void EmitDivisionByMinusOne(X64Emitter a, bool remainder, bool is64, AssemblerRegister64 d, AssemblerRegister32 d32,
        CodeLabel overflow)
    {
        if (overflow.IsValid)
        {
            if (is64)
            {
                a.mov(rax, long.MinValue);
                a.cmp(d, rax);
            }
            else
            {
                a.cmp(d32, int.MinValue);
            }

            a.je(overflow);
        }

        if (remainder) a.xor(d32, d32);
        else if (is64) a.neg(d);
        else a.neg(d32);
    }

    private void EmitUnaryAlu(Instruction ins)
    {
        var d = R64[ins.Dst];
        var d32 = R32[ins.Dst];
        var d16 = R16[ins.Dst];
        switch (ins.Op)
        {
            case Op.Neg32: _a.neg(d32); break;
            case Op.Neg64: _a.neg(d); break;
            case Op.MovSx8To32: _a.movsx(d32, R8[ins.Src]); break;
            case Op.MovSx16To32: _a.movsx(d32, R16[ins.Src]); break;
            case Op.MovSx8To64: _a.movsx(d, R8[ins.Src]); break;
            case Op.MovSx16To64: _a.movsx(d, R16[ins.Src]); break;
            case Op.MovSx32To64: _a.movsxd(d, R32[ins.Src]); break;
            case Op.Le16: _a.movzx(d32, d16); break;
            case Op.Le32: _a.mov(d32, d32); break;
            case Op.Le64: break;
            case Op.Be16 or Op.Bswap16:
                _a.ror(d16, 8);
                _a.movzx(d32, d16);
                break;
            case Op.Be32 or Op.Bswap32: _a.bswap(d32); break;
            case Op.Be64 or Op.Bswap64: _a.bswap(d); break;
            default: throw new JitException($"{ins.Op} is not a unary ALU op");
        }
    }
}
