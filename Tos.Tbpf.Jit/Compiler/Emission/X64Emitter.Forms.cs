using Iced.Intel;

namespace Tos.Tbpf.Jit.Compiler.Emission;

// The instruction forms the compiler uses, each named and typed as in Iced's Assembler, which encodes it once. Each
// overload has its own form number (generated in sequence), which with the operands' shape keys the form cache.
internal sealed partial class X64Emitter
{
    public void mov(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(1, static (Assembler a, in Operands o) => a.mov(o.Q0, o.Q1), x.Value, y.Value);

    public void mov(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(2, static (Assembler a, in Operands o) => a.mov(o.D0, o.D1), x.Value, y.Value);

    public void mov(AssemblerRegister64 x, long y) =>
        EmitRegisters(3, static (Assembler a, in Operands o) => a.mov(o.Q0, (long)o.Immediate), x.Value, immediate: y);

    public void mov(AssemblerRegister32 x, int y) =>
        EmitRegisters(4, static (Assembler a, in Operands o) => a.mov(o.D0, (int)o.Immediate), x.Value, immediate: y);

    /// <summary><c>mov r64, imm32</c> sign-extended (C7 /0, 7 bytes), where <see cref="mov(AssemblerRegister64, long)"/> is
    /// always the 10-byte <c>movabs</c>.</summary>
    public void movSignExtended(AssemblerRegister64 x, int y) =>
        EmitRegisters(110, static (Assembler a, in Operands o) => a.AddInstruction(Instruction.Create(Code.Mov_rm64_imm32, o.Q0.Value, (int)o.Immediate)),
            x.Value, immediate: y);

    public void mov(Mem x, AssemblerRegister64 y) =>
        EmitMemory(5, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), o.Q0), y.Value, x);

    public void mov(Mem x, AssemblerRegister32 y) =>
        EmitMemory(6, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), o.D0), y.Value, x);

    public void mov(Mem x, AssemblerRegister16 y) =>
        EmitMemory(7, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), o.W0), y.Value, x);

    public void mov(Mem x, AssemblerRegister8 y) =>
        EmitMemory(8, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), o.B0), y.Value, x);

    public void mov(AssemblerRegister64 x, Mem y) =>
        EmitMemory(9, static (Assembler a, in Operands o) => a.mov(o.Q0, o.Memory.ToIced()), x.Value, y);

    public void mov(AssemblerRegister32 x, Mem y) =>
        EmitMemory(10, static (Assembler a, in Operands o) => a.mov(o.D0, o.Memory.ToIced()), x.Value, y);

    public void mov(Mem x, int y) =>
        EmitMemory(11, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), (int)o.Immediate), Register.None, x, y);

    public void mov(Mem x, short y) =>
        EmitMemory(12, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), (short)o.Immediate), Register.None, x, y);

    public void mov(Mem x, byte y) =>
        EmitMemory(13, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), (byte)o.Immediate), Register.None, x, y);

    public void add(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(14, static (Assembler a, in Operands o) => a.add(o.Q0, o.Q1), x.Value, y.Value);

    public void add(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(15, static (Assembler a, in Operands o) => a.add(o.D0, o.D1), x.Value, y.Value);

    public void add(AssemblerRegister64 x, int y) =>
        EmitRegisters(16, static (Assembler a, in Operands o) => a.add(o.Q0, (int)o.Immediate), x.Value, immediate: y);

    public void add(AssemblerRegister32 x, int y) =>
        EmitRegisters(17, static (Assembler a, in Operands o) => a.add(o.D0, (int)o.Immediate), x.Value, immediate: y);

    public void add(Mem x, AssemblerRegister64 y) =>
        EmitMemory(18, static (Assembler a, in Operands o) => a.add(o.Memory.ToIced(), o.Q0), y.Value, x);

    public void add(Mem x, AssemblerRegister32 y) =>
        EmitMemory(19, static (Assembler a, in Operands o) => a.add(o.Memory.ToIced(), o.D0), y.Value, x);

    public void add(AssemblerRegister64 x, Mem y) =>
        EmitMemory(20, static (Assembler a, in Operands o) => a.add(o.Q0, o.Memory.ToIced()), x.Value, y);

    public void sub(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(21, static (Assembler a, in Operands o) => a.sub(o.Q0, o.Q1), x.Value, y.Value);

    public void sub(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(22, static (Assembler a, in Operands o) => a.sub(o.D0, o.D1), x.Value, y.Value);

    public void sub(AssemblerRegister64 x, int y) =>
        EmitRegisters(23, static (Assembler a, in Operands o) => a.sub(o.Q0, (int)o.Immediate), x.Value, immediate: y);

    public void sub(AssemblerRegister32 x, int y) =>
        EmitRegisters(24, static (Assembler a, in Operands o) => a.sub(o.D0, (int)o.Immediate), x.Value, immediate: y);

    public void sub(AssemblerRegister64 x, Mem y) =>
        EmitMemory(25, static (Assembler a, in Operands o) => a.sub(o.Q0, o.Memory.ToIced()), x.Value, y);

    public void and(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(26, static (Assembler a, in Operands o) => a.and(o.Q0, o.Q1), x.Value, y.Value);

    public void and(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(27, static (Assembler a, in Operands o) => a.and(o.D0, o.D1), x.Value, y.Value);

    public void and(AssemblerRegister64 x, int y) =>
        EmitRegisters(28, static (Assembler a, in Operands o) => a.and(o.Q0, (int)o.Immediate), x.Value, immediate: y);

    public void and(AssemblerRegister32 x, int y) =>
        EmitRegisters(29, static (Assembler a, in Operands o) => a.and(o.D0, (int)o.Immediate), x.Value, immediate: y);

    public void and(Mem x, AssemblerRegister64 y) =>
        EmitMemory(30, static (Assembler a, in Operands o) => a.and(o.Memory.ToIced(), o.Q0), y.Value, x);

    public void and(Mem x, AssemblerRegister32 y) =>
        EmitMemory(31, static (Assembler a, in Operands o) => a.and(o.Memory.ToIced(), o.D0), y.Value, x);

    public void or(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(32, static (Assembler a, in Operands o) => a.or(o.Q0, o.Q1), x.Value, y.Value);

    public void or(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(33, static (Assembler a, in Operands o) => a.or(o.D0, o.D1), x.Value, y.Value);

    public void or(AssemblerRegister64 x, int y) =>
        EmitRegisters(34, static (Assembler a, in Operands o) => a.or(o.Q0, (int)o.Immediate), x.Value, immediate: y);

    public void or(AssemblerRegister32 x, int y) =>
        EmitRegisters(35, static (Assembler a, in Operands o) => a.or(o.D0, (int)o.Immediate), x.Value, immediate: y);

    public void or(Mem x, AssemblerRegister64 y) =>
        EmitMemory(36, static (Assembler a, in Operands o) => a.or(o.Memory.ToIced(), o.Q0), y.Value, x);

    public void or(Mem x, AssemblerRegister32 y) =>
        EmitMemory(37, static (Assembler a, in Operands o) => a.or(o.Memory.ToIced(), o.D0), y.Value, x);

    public void xor(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(38, static (Assembler a, in Operands o) => a.xor(o.Q0, o.Q1), x.Value, y.Value);

    public void xor(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(39, static (Assembler a, in Operands o) => a.xor(o.D0, o.D1), x.Value, y.Value);

    public void xor(AssemblerRegister64 x, int y) =>
        EmitRegisters(40, static (Assembler a, in Operands o) => a.xor(o.Q0, (int)o.Immediate), x.Value, immediate: y);

    public void xor(AssemblerRegister32 x, int y) =>
        EmitRegisters(41, static (Assembler a, in Operands o) => a.xor(o.D0, (int)o.Immediate), x.Value, immediate: y);

    public void xor(Mem x, AssemblerRegister64 y) =>
        EmitMemory(42, static (Assembler a, in Operands o) => a.xor(o.Memory.ToIced(), o.Q0), y.Value, x);

    public void xor(Mem x, AssemblerRegister32 y) =>
        EmitMemory(43, static (Assembler a, in Operands o) => a.xor(o.Memory.ToIced(), o.D0), y.Value, x);

    public void cmp(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(44, static (Assembler a, in Operands o) => a.cmp(o.Q0, o.Q1), x.Value, y.Value);

    public void cmp(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(45, static (Assembler a, in Operands o) => a.cmp(o.D0, o.D1), x.Value, y.Value);

    public void cmp(AssemblerRegister64 x, int y) =>
        EmitRegisters(46, static (Assembler a, in Operands o) => a.cmp(o.Q0, (int)o.Immediate), x.Value, immediate: y);

    public void cmp(AssemblerRegister32 x, int y) =>
        EmitRegisters(47, static (Assembler a, in Operands o) => a.cmp(o.D0, (int)o.Immediate), x.Value, immediate: y);

    public void cmp(AssemblerRegister64 x, Mem y) =>
        EmitMemory(48, static (Assembler a, in Operands o) => a.cmp(o.Q0, o.Memory.ToIced()), x.Value, y);

    public void cmp(Mem x, int y) =>
        EmitMemory(49, static (Assembler a, in Operands o) => a.cmp(o.Memory.ToIced(), (int)o.Immediate), Register.None, x, y);

    public void test(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(50, static (Assembler a, in Operands o) => a.test(o.Q0, o.Q1), x.Value, y.Value);

    public void test(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(51, static (Assembler a, in Operands o) => a.test(o.D0, o.D1), x.Value, y.Value);

    public void test(AssemblerRegister64 x, int y) =>
        EmitRegisters(52, static (Assembler a, in Operands o) => a.test(o.Q0, (int)o.Immediate), x.Value, immediate: y);

    public void test(AssemblerRegister32 x, int y) =>
        EmitRegisters(53, static (Assembler a, in Operands o) => a.test(o.D0, (int)o.Immediate), x.Value, immediate: y);

    public void test(AssemblerRegister8 x, byte y) =>
        EmitRegisters(54, static (Assembler a, in Operands o) => a.test(o.B0, (byte)o.Immediate), x.Value, immediate: y);

    public void imul(AssemblerRegister64 x, AssemblerRegister64 y) =>
        EmitRegisters(55, static (Assembler a, in Operands o) => a.imul(o.Q0, o.Q1), x.Value, y.Value);

    public void imul(AssemblerRegister32 x, AssemblerRegister32 y) =>
        EmitRegisters(56, static (Assembler a, in Operands o) => a.imul(o.D0, o.D1), x.Value, y.Value);

    public void imul(AssemblerRegister64 x, AssemblerRegister64 y, int z) =>
        EmitRegisters(57, static (Assembler a, in Operands o) => a.imul(o.Q0, o.Q1, (int)o.Immediate), x.Value, y.Value, immediate: z);

    public void imul(AssemblerRegister32 x, AssemblerRegister32 y, int z) =>
        EmitRegisters(58, static (Assembler a, in Operands o) => a.imul(o.D0, o.D1, (int)o.Immediate), x.Value, y.Value, immediate: z);

    public void shl(AssemblerRegister64 x, byte y) =>
        EmitRegisters(59, static (Assembler a, in Operands o) => a.shl(o.Q0, (byte)o.Immediate), x.Value, immediate: y);

    public void shl(AssemblerRegister32 x, byte y) =>
        EmitRegisters(60, static (Assembler a, in Operands o) => a.shl(o.D0, (byte)o.Immediate), x.Value, immediate: y);

    public void shr(AssemblerRegister64 x, byte y) =>
        EmitRegisters(61, static (Assembler a, in Operands o) => a.shr(o.Q0, (byte)o.Immediate), x.Value, immediate: y);

    public void shr(AssemblerRegister32 x, byte y) =>
        EmitRegisters(62, static (Assembler a, in Operands o) => a.shr(o.D0, (byte)o.Immediate), x.Value, immediate: y);

    public void sar(AssemblerRegister64 x, byte y) =>
        EmitRegisters(63, static (Assembler a, in Operands o) => a.sar(o.Q0, (byte)o.Immediate), x.Value, immediate: y);

    public void sar(AssemblerRegister32 x, byte y) =>
        EmitRegisters(64, static (Assembler a, in Operands o) => a.sar(o.D0, (byte)o.Immediate), x.Value, immediate: y);

    public void shlx(AssemblerRegister64 x, AssemblerRegister64 y, AssemblerRegister64 z) =>
        EmitRegisters(65, static (Assembler a, in Operands o) => a.shlx(o.Q0, o.Q1, o.Q2), x.Value, y.Value, z.Value);

    public void shlx(AssemblerRegister32 x, AssemblerRegister32 y, AssemblerRegister32 z) =>
        EmitRegisters(66, static (Assembler a, in Operands o) => a.shlx(o.D0, o.D1, o.D2), x.Value, y.Value, z.Value);

    public void shrx(AssemblerRegister64 x, AssemblerRegister64 y, AssemblerRegister64 z) =>
        EmitRegisters(67, static (Assembler a, in Operands o) => a.shrx(o.Q0, o.Q1, o.Q2), x.Value, y.Value, z.Value);

    public void shrx(AssemblerRegister32 x, AssemblerRegister32 y, AssemblerRegister32 z) =>
        EmitRegisters(68, static (Assembler a, in Operands o) => a.shrx(o.D0, o.D1, o.D2), x.Value, y.Value, z.Value);

    public void sarx(AssemblerRegister64 x, AssemblerRegister64 y, AssemblerRegister64 z) =>
        EmitRegisters(69, static (Assembler a, in Operands o) => a.sarx(o.Q0, o.Q1, o.Q2), x.Value, y.Value, z.Value);

    public void sarx(AssemblerRegister32 x, AssemblerRegister32 y, AssemblerRegister32 z) =>
        EmitRegisters(70, static (Assembler a, in Operands o) => a.sarx(o.D0, o.D1, o.D2), x.Value, y.Value, z.Value);

    public void lea(AssemblerRegister64 x, Mem y) =>
        EmitMemory(71, static (Assembler a, in Operands o) => a.lea(o.Q0, o.Memory.ToIced()), x.Value, y);

    public void neg(AssemblerRegister64 x) =>
        EmitRegisters(72, static (Assembler a, in Operands o) => a.neg(o.Q0), x.Value);

    public void neg(AssemblerRegister32 x) =>
        EmitRegisters(73, static (Assembler a, in Operands o) => a.neg(o.D0), x.Value);

    public void bswap(AssemblerRegister64 x) =>
        EmitRegisters(74, static (Assembler a, in Operands o) => a.bswap(o.Q0), x.Value);

    public void bswap(AssemblerRegister32 x) =>
        EmitRegisters(75, static (Assembler a, in Operands o) => a.bswap(o.D0), x.Value);

    public void ror(AssemblerRegister16 x, byte y) =>
        EmitRegisters(76, static (Assembler a, in Operands o) => a.ror(o.W0, (byte)o.Immediate), x.Value, immediate: y);

    public void inc(Mem x) =>
        EmitMemory(77, static (Assembler a, in Operands o) => a.inc(o.Memory.ToIced()), Register.None, x);

    public void dec(Mem x) =>
        EmitMemory(78, static (Assembler a, in Operands o) => a.dec(o.Memory.ToIced()), Register.None, x);

    public void movsx(AssemblerRegister32 x, AssemblerRegister8 y) =>
        EmitRegisters(79, static (Assembler a, in Operands o) => a.movsx(o.D0, o.B1), x.Value, y.Value);

    public void movsx(AssemblerRegister32 x, AssemblerRegister16 y) =>
        EmitRegisters(80, static (Assembler a, in Operands o) => a.movsx(o.D0, o.W1), x.Value, y.Value);

    public void movsx(AssemblerRegister64 x, AssemblerRegister8 y) =>
        EmitRegisters(81, static (Assembler a, in Operands o) => a.movsx(o.Q0, o.B1), x.Value, y.Value);

    public void movsx(AssemblerRegister64 x, AssemblerRegister16 y) =>
        EmitRegisters(82, static (Assembler a, in Operands o) => a.movsx(o.Q0, o.W1), x.Value, y.Value);

    public void movsx(AssemblerRegister64 x, Mem y) =>
        EmitMemory(83, static (Assembler a, in Operands o) => a.movsx(o.Q0, o.Memory.ToIced()), x.Value, y);

    public void movsxd(AssemblerRegister64 x, AssemblerRegister32 y) =>
        EmitRegisters(84, static (Assembler a, in Operands o) => a.movsxd(o.Q0, o.D1), x.Value, y.Value);

    public void movsxd(AssemblerRegister64 x, Mem y) =>
        EmitMemory(85, static (Assembler a, in Operands o) => a.movsxd(o.Q0, o.Memory.ToIced()), x.Value, y);

    public void movzx(AssemblerRegister32 x, AssemblerRegister16 y) =>
        EmitRegisters(86, static (Assembler a, in Operands o) => a.movzx(o.D0, o.W1), x.Value, y.Value);

    public void movzx(AssemblerRegister32 x, Mem y) =>
        EmitMemory(87, static (Assembler a, in Operands o) => a.movzx(o.D0, o.Memory.ToIced()), x.Value, y);

    public void div(AssemblerRegister64 x) =>
        EmitRegisters(88, static (Assembler a, in Operands o) => a.div(o.Q0), x.Value);

    public void div(AssemblerRegister32 x) =>
        EmitRegisters(89, static (Assembler a, in Operands o) => a.div(o.D0), x.Value);

    public void div(Mem x) =>
        EmitMemory(90, static (Assembler a, in Operands o) => a.div(o.Memory.ToIced()), Register.None, x);

    public void idiv(AssemblerRegister64 x) =>
        EmitRegisters(91, static (Assembler a, in Operands o) => a.idiv(o.Q0), x.Value);

    public void idiv(AssemblerRegister32 x) =>
        EmitRegisters(92, static (Assembler a, in Operands o) => a.idiv(o.D0), x.Value);

    public void idiv(Mem x) =>
        EmitMemory(93, static (Assembler a, in Operands o) => a.idiv(o.Memory.ToIced()), Register.None, x);

    public void xadd(Mem x, AssemblerRegister64 y) =>
        EmitMemory(94, static (Assembler a, in Operands o) => a.xadd(o.Memory.ToIced(), o.Q0), y.Value, x);

    public void xadd(Mem x, AssemblerRegister32 y) =>
        EmitMemory(95, static (Assembler a, in Operands o) => a.xadd(o.Memory.ToIced(), o.D0), y.Value, x);

    public void xchg(Mem x, AssemblerRegister64 y) =>
        EmitMemory(96, static (Assembler a, in Operands o) => a.xchg(o.Memory.ToIced(), o.Q0), y.Value, x);

    public void xchg(Mem x, AssemblerRegister32 y) =>
        EmitMemory(97, static (Assembler a, in Operands o) => a.xchg(o.Memory.ToIced(), o.D0), y.Value, x);

    public void cmpxchg(Mem x, AssemblerRegister64 y) =>
        EmitMemory(98, static (Assembler a, in Operands o) => a.cmpxchg(o.Memory.ToIced(), o.Q0), y.Value, x);

    public void cmpxchg(Mem x, AssemblerRegister32 y) =>
        EmitMemory(99, static (Assembler a, in Operands o) => a.cmpxchg(o.Memory.ToIced(), o.D0), y.Value, x);

    public void push(AssemblerRegister64 x) =>
        EmitRegisters(100, static (Assembler a, in Operands o) => a.push(o.Q0), x.Value);

    public void pop(AssemblerRegister64 x) =>
        EmitRegisters(101, static (Assembler a, in Operands o) => a.pop(o.Q0), x.Value);

    public void call(Mem x) =>
        EmitMemory(102, static (Assembler a, in Operands o) => a.call(o.Memory.ToIced()), Register.None, x);

    public void call(AssemblerRegister64 x) =>
        EmitRegisters(103, static (Assembler a, in Operands o) => a.call(o.Q0), x.Value);

    public void ret() =>
        EmitRegisters(104, static (Assembler a, in Operands o) => a.ret());

    public void cqo() =>
        EmitRegisters(105, static (Assembler a, in Operands o) => a.cqo());

    public void cdq() =>
        EmitRegisters(106, static (Assembler a, in Operands o) => a.cdq());

    public void clc() =>
        EmitRegisters(107, static (Assembler a, in Operands o) => a.clc());

    public void stc() =>
        EmitRegisters(108, static (Assembler a, in Operands o) => a.stc());

    public void nop() =>
        EmitRegisters(109, static (Assembler a, in Operands o) => a.nop());
}
