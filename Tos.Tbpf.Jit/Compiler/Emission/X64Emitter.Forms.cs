using Iced.Intel;

namespace Tos.Tbpf.Jit.Compiler.Emission;

// The instruction forms the compiler uses, each named and typed as in Iced's Assembler, which encodes it once. Each
// overload has its own form number (generated in sequence), which with the operands' shape keys the form cache.
internal sealed partial class X64Emitter
{
    public void mov(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(1, static (Assembler a, in Operands o) => a.mov(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void mov(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(2, static (Assembler a, in Operands o) => a.mov(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void mov(AssemblerRegister64 x, long y) =>
        Emit(3, static (Assembler a, in Operands o) => a.mov(o.Q0, (long)o.Immediate), new Operands(x.Value, immediate: y));

    public void mov(AssemblerRegister32 x, int y) =>
        Emit(4, static (Assembler a, in Operands o) => a.mov(o.D0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void mov(Mem x, AssemblerRegister64 y) =>
        Emit(5, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), o.Q0), new Operands(y.Value, memory: x));

    public void mov(Mem x, AssemblerRegister32 y) =>
        Emit(6, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), o.D0), new Operands(y.Value, memory: x));

    public void mov(Mem x, AssemblerRegister16 y) =>
        Emit(7, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), o.W0), new Operands(y.Value, memory: x));

    public void mov(Mem x, AssemblerRegister8 y) =>
        Emit(8, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), o.B0), new Operands(y.Value, memory: x));

    public void mov(AssemblerRegister64 x, Mem y) =>
        Emit(9, static (Assembler a, in Operands o) => a.mov(o.Q0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void mov(AssemblerRegister32 x, Mem y) =>
        Emit(10, static (Assembler a, in Operands o) => a.mov(o.D0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void mov(Mem x, int y) =>
        Emit(11, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), (int)o.Immediate), new Operands(memory: x, immediate: y));

    public void mov(Mem x, short y) =>
        Emit(12, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), (short)o.Immediate), new Operands(memory: x, immediate: y));

    public void mov(Mem x, byte y) =>
        Emit(13, static (Assembler a, in Operands o) => a.mov(o.Memory.ToIced(), (byte)o.Immediate), new Operands(memory: x, immediate: y));

    public void add(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(14, static (Assembler a, in Operands o) => a.add(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void add(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(15, static (Assembler a, in Operands o) => a.add(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void add(AssemblerRegister64 x, int y) =>
        Emit(16, static (Assembler a, in Operands o) => a.add(o.Q0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void add(AssemblerRegister32 x, int y) =>
        Emit(17, static (Assembler a, in Operands o) => a.add(o.D0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void add(Mem x, AssemblerRegister64 y) =>
        Emit(18, static (Assembler a, in Operands o) => a.add(o.Memory.ToIced(), o.Q0), new Operands(y.Value, memory: x));

    public void add(Mem x, AssemblerRegister32 y) =>
        Emit(19, static (Assembler a, in Operands o) => a.add(o.Memory.ToIced(), o.D0), new Operands(y.Value, memory: x));

    public void add(AssemblerRegister64 x, Mem y) =>
        Emit(20, static (Assembler a, in Operands o) => a.add(o.Q0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void sub(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(21, static (Assembler a, in Operands o) => a.sub(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void sub(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(22, static (Assembler a, in Operands o) => a.sub(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void sub(AssemblerRegister64 x, int y) =>
        Emit(23, static (Assembler a, in Operands o) => a.sub(o.Q0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void sub(AssemblerRegister32 x, int y) =>
        Emit(24, static (Assembler a, in Operands o) => a.sub(o.D0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void sub(AssemblerRegister64 x, Mem y) =>
        Emit(25, static (Assembler a, in Operands o) => a.sub(o.Q0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void and(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(26, static (Assembler a, in Operands o) => a.and(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void and(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(27, static (Assembler a, in Operands o) => a.and(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void and(AssemblerRegister64 x, int y) =>
        Emit(28, static (Assembler a, in Operands o) => a.and(o.Q0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void and(AssemblerRegister32 x, int y) =>
        Emit(29, static (Assembler a, in Operands o) => a.and(o.D0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void and(Mem x, AssemblerRegister64 y) =>
        Emit(30, static (Assembler a, in Operands o) => a.and(o.Memory.ToIced(), o.Q0), new Operands(y.Value, memory: x));

    public void and(Mem x, AssemblerRegister32 y) =>
        Emit(31, static (Assembler a, in Operands o) => a.and(o.Memory.ToIced(), o.D0), new Operands(y.Value, memory: x));

    public void or(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(32, static (Assembler a, in Operands o) => a.or(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void or(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(33, static (Assembler a, in Operands o) => a.or(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void or(AssemblerRegister64 x, int y) =>
        Emit(34, static (Assembler a, in Operands o) => a.or(o.Q0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void or(AssemblerRegister32 x, int y) =>
        Emit(35, static (Assembler a, in Operands o) => a.or(o.D0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void or(Mem x, AssemblerRegister64 y) =>
        Emit(36, static (Assembler a, in Operands o) => a.or(o.Memory.ToIced(), o.Q0), new Operands(y.Value, memory: x));

    public void or(Mem x, AssemblerRegister32 y) =>
        Emit(37, static (Assembler a, in Operands o) => a.or(o.Memory.ToIced(), o.D0), new Operands(y.Value, memory: x));

    public void xor(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(38, static (Assembler a, in Operands o) => a.xor(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void xor(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(39, static (Assembler a, in Operands o) => a.xor(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void xor(AssemblerRegister64 x, int y) =>
        Emit(40, static (Assembler a, in Operands o) => a.xor(o.Q0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void xor(AssemblerRegister32 x, int y) =>
        Emit(41, static (Assembler a, in Operands o) => a.xor(o.D0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void xor(Mem x, AssemblerRegister64 y) =>
        Emit(42, static (Assembler a, in Operands o) => a.xor(o.Memory.ToIced(), o.Q0), new Operands(y.Value, memory: x));

    public void xor(Mem x, AssemblerRegister32 y) =>
        Emit(43, static (Assembler a, in Operands o) => a.xor(o.Memory.ToIced(), o.D0), new Operands(y.Value, memory: x));

    public void cmp(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(44, static (Assembler a, in Operands o) => a.cmp(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void cmp(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(45, static (Assembler a, in Operands o) => a.cmp(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void cmp(AssemblerRegister64 x, int y) =>
        Emit(46, static (Assembler a, in Operands o) => a.cmp(o.Q0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void cmp(AssemblerRegister32 x, int y) =>
        Emit(47, static (Assembler a, in Operands o) => a.cmp(o.D0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void cmp(AssemblerRegister64 x, Mem y) =>
        Emit(48, static (Assembler a, in Operands o) => a.cmp(o.Q0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void cmp(Mem x, int y) =>
        Emit(49, static (Assembler a, in Operands o) => a.cmp(o.Memory.ToIced(), (int)o.Immediate), new Operands(memory: x, immediate: y));

    public void test(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(50, static (Assembler a, in Operands o) => a.test(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void test(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(51, static (Assembler a, in Operands o) => a.test(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void test(AssemblerRegister64 x, int y) =>
        Emit(52, static (Assembler a, in Operands o) => a.test(o.Q0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void test(AssemblerRegister32 x, int y) =>
        Emit(53, static (Assembler a, in Operands o) => a.test(o.D0, (int)o.Immediate), new Operands(x.Value, immediate: y));

    public void test(AssemblerRegister8 x, byte y) =>
        Emit(54, static (Assembler a, in Operands o) => a.test(o.B0, (byte)o.Immediate), new Operands(x.Value, immediate: y));

    public void imul(AssemblerRegister64 x, AssemblerRegister64 y) =>
        Emit(55, static (Assembler a, in Operands o) => a.imul(o.Q0, o.Q1), new Operands(x.Value, y.Value));

    public void imul(AssemblerRegister32 x, AssemblerRegister32 y) =>
        Emit(56, static (Assembler a, in Operands o) => a.imul(o.D0, o.D1), new Operands(x.Value, y.Value));

    public void imul(AssemblerRegister64 x, AssemblerRegister64 y, int z) =>
        Emit(57, static (Assembler a, in Operands o) => a.imul(o.Q0, o.Q1, (int)o.Immediate), new Operands(x.Value, y.Value, immediate: z));

    public void imul(AssemblerRegister32 x, AssemblerRegister32 y, int z) =>
        Emit(58, static (Assembler a, in Operands o) => a.imul(o.D0, o.D1, (int)o.Immediate), new Operands(x.Value, y.Value, immediate: z));

    public void shl(AssemblerRegister64 x, byte y) =>
        Emit(59, static (Assembler a, in Operands o) => a.shl(o.Q0, (byte)o.Immediate), new Operands(x.Value, immediate: y));

    public void shl(AssemblerRegister32 x, byte y) =>
        Emit(60, static (Assembler a, in Operands o) => a.shl(o.D0, (byte)o.Immediate), new Operands(x.Value, immediate: y));

    public void shr(AssemblerRegister64 x, byte y) =>
        Emit(61, static (Assembler a, in Operands o) => a.shr(o.Q0, (byte)o.Immediate), new Operands(x.Value, immediate: y));

    public void shr(AssemblerRegister32 x, byte y) =>
        Emit(62, static (Assembler a, in Operands o) => a.shr(o.D0, (byte)o.Immediate), new Operands(x.Value, immediate: y));

    public void sar(AssemblerRegister64 x, byte y) =>
        Emit(63, static (Assembler a, in Operands o) => a.sar(o.Q0, (byte)o.Immediate), new Operands(x.Value, immediate: y));

    public void sar(AssemblerRegister32 x, byte y) =>
        Emit(64, static (Assembler a, in Operands o) => a.sar(o.D0, (byte)o.Immediate), new Operands(x.Value, immediate: y));

    public void shlx(AssemblerRegister64 x, AssemblerRegister64 y, AssemblerRegister64 z) =>
        Emit(65, static (Assembler a, in Operands o) => a.shlx(o.Q0, o.Q1, o.Q2), new Operands(x.Value, y.Value, z.Value));

    public void shlx(AssemblerRegister32 x, AssemblerRegister32 y, AssemblerRegister32 z) =>
        Emit(66, static (Assembler a, in Operands o) => a.shlx(o.D0, o.D1, o.D2), new Operands(x.Value, y.Value, z.Value));

    public void shrx(AssemblerRegister64 x, AssemblerRegister64 y, AssemblerRegister64 z) =>
        Emit(67, static (Assembler a, in Operands o) => a.shrx(o.Q0, o.Q1, o.Q2), new Operands(x.Value, y.Value, z.Value));

    public void shrx(AssemblerRegister32 x, AssemblerRegister32 y, AssemblerRegister32 z) =>
        Emit(68, static (Assembler a, in Operands o) => a.shrx(o.D0, o.D1, o.D2), new Operands(x.Value, y.Value, z.Value));

    public void sarx(AssemblerRegister64 x, AssemblerRegister64 y, AssemblerRegister64 z) =>
        Emit(69, static (Assembler a, in Operands o) => a.sarx(o.Q0, o.Q1, o.Q2), new Operands(x.Value, y.Value, z.Value));

    public void sarx(AssemblerRegister32 x, AssemblerRegister32 y, AssemblerRegister32 z) =>
        Emit(70, static (Assembler a, in Operands o) => a.sarx(o.D0, o.D1, o.D2), new Operands(x.Value, y.Value, z.Value));

    public void lea(AssemblerRegister64 x, Mem y) =>
        Emit(71, static (Assembler a, in Operands o) => a.lea(o.Q0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void neg(AssemblerRegister64 x) =>
        Emit(72, static (Assembler a, in Operands o) => a.neg(o.Q0), new Operands(x.Value));

    public void neg(AssemblerRegister32 x) =>
        Emit(73, static (Assembler a, in Operands o) => a.neg(o.D0), new Operands(x.Value));

    public void bswap(AssemblerRegister64 x) =>
        Emit(74, static (Assembler a, in Operands o) => a.bswap(o.Q0), new Operands(x.Value));

    public void bswap(AssemblerRegister32 x) =>
        Emit(75, static (Assembler a, in Operands o) => a.bswap(o.D0), new Operands(x.Value));

    public void ror(AssemblerRegister16 x, byte y) =>
        Emit(76, static (Assembler a, in Operands o) => a.ror(o.W0, (byte)o.Immediate), new Operands(x.Value, immediate: y));

    public void inc(Mem x) =>
        Emit(77, static (Assembler a, in Operands o) => a.inc(o.Memory.ToIced()), new Operands(memory: x));

    public void dec(Mem x) =>
        Emit(78, static (Assembler a, in Operands o) => a.dec(o.Memory.ToIced()), new Operands(memory: x));

    public void movsx(AssemblerRegister32 x, AssemblerRegister8 y) =>
        Emit(79, static (Assembler a, in Operands o) => a.movsx(o.D0, o.B1), new Operands(x.Value, y.Value));

    public void movsx(AssemblerRegister32 x, AssemblerRegister16 y) =>
        Emit(80, static (Assembler a, in Operands o) => a.movsx(o.D0, o.W1), new Operands(x.Value, y.Value));

    public void movsx(AssemblerRegister64 x, AssemblerRegister8 y) =>
        Emit(81, static (Assembler a, in Operands o) => a.movsx(o.Q0, o.B1), new Operands(x.Value, y.Value));

    public void movsx(AssemblerRegister64 x, AssemblerRegister16 y) =>
        Emit(82, static (Assembler a, in Operands o) => a.movsx(o.Q0, o.W1), new Operands(x.Value, y.Value));

    public void movsx(AssemblerRegister64 x, Mem y) =>
        Emit(83, static (Assembler a, in Operands o) => a.movsx(o.Q0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void movsxd(AssemblerRegister64 x, AssemblerRegister32 y) =>
        Emit(84, static (Assembler a, in Operands o) => a.movsxd(o.Q0, o.D1), new Operands(x.Value, y.Value));

    public void movsxd(AssemblerRegister64 x, Mem y) =>
        Emit(85, static (Assembler a, in Operands o) => a.movsxd(o.Q0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void movzx(AssemblerRegister32 x, AssemblerRegister16 y) =>
        Emit(86, static (Assembler a, in Operands o) => a.movzx(o.D0, o.W1), new Operands(x.Value, y.Value));

    public void movzx(AssemblerRegister32 x, Mem y) =>
        Emit(87, static (Assembler a, in Operands o) => a.movzx(o.D0, o.Memory.ToIced()), new Operands(x.Value, memory: y));

    public void div(AssemblerRegister64 x) =>
        Emit(88, static (Assembler a, in Operands o) => a.div(o.Q0), new Operands(x.Value));

    public void div(AssemblerRegister32 x) =>
        Emit(89, static (Assembler a, in Operands o) => a.div(o.D0), new Operands(x.Value));

    public void div(Mem x) =>
        Emit(90, static (Assembler a, in Operands o) => a.div(o.Memory.ToIced()), new Operands(memory: x));

    public void idiv(AssemblerRegister64 x) =>
        Emit(91, static (Assembler a, in Operands o) => a.idiv(o.Q0), new Operands(x.Value));

    public void idiv(AssemblerRegister32 x) =>
        Emit(92, static (Assembler a, in Operands o) => a.idiv(o.D0), new Operands(x.Value));

    public void idiv(Mem x) =>
        Emit(93, static (Assembler a, in Operands o) => a.idiv(o.Memory.ToIced()), new Operands(memory: x));

    public void xadd(Mem x, AssemblerRegister64 y) =>
        Emit(94, static (Assembler a, in Operands o) => a.xadd(o.Memory.ToIced(), o.Q0), new Operands(y.Value, memory: x));

    public void xadd(Mem x, AssemblerRegister32 y) =>
        Emit(95, static (Assembler a, in Operands o) => a.xadd(o.Memory.ToIced(), o.D0), new Operands(y.Value, memory: x));

    public void xchg(Mem x, AssemblerRegister64 y) =>
        Emit(96, static (Assembler a, in Operands o) => a.xchg(o.Memory.ToIced(), o.Q0), new Operands(y.Value, memory: x));

    public void xchg(Mem x, AssemblerRegister32 y) =>
        Emit(97, static (Assembler a, in Operands o) => a.xchg(o.Memory.ToIced(), o.D0), new Operands(y.Value, memory: x));

    public void cmpxchg(Mem x, AssemblerRegister64 y) =>
        Emit(98, static (Assembler a, in Operands o) => a.cmpxchg(o.Memory.ToIced(), o.Q0), new Operands(y.Value, memory: x));

    public void cmpxchg(Mem x, AssemblerRegister32 y) =>
        Emit(99, static (Assembler a, in Operands o) => a.cmpxchg(o.Memory.ToIced(), o.D0), new Operands(y.Value, memory: x));

    public void push(AssemblerRegister64 x) =>
        Emit(100, static (Assembler a, in Operands o) => a.push(o.Q0), new Operands(x.Value));

    public void pop(AssemblerRegister64 x) =>
        Emit(101, static (Assembler a, in Operands o) => a.pop(o.Q0), new Operands(x.Value));

    public void call(Mem x) =>
        Emit(102, static (Assembler a, in Operands o) => a.call(o.Memory.ToIced()), new Operands(memory: x));

    public void call(AssemblerRegister64 x) =>
        Emit(103, static (Assembler a, in Operands o) => a.call(o.Q0), new Operands(x.Value));

    public void ret() =>
        Emit(104, static (Assembler a, in Operands o) => a.ret(), new Operands());

    public void cqo() =>
        Emit(105, static (Assembler a, in Operands o) => a.cqo(), new Operands());

    public void cdq() =>
        Emit(106, static (Assembler a, in Operands o) => a.cdq(), new Operands());

    public void clc() =>
        Emit(107, static (Assembler a, in Operands o) => a.clc(), new Operands());

    public void stc() =>
        Emit(108, static (Assembler a, in Operands o) => a.stc(), new Operands());

    public void nop() =>
        Emit(109, static (Assembler a, in Operands o) => a.nop(), new Operands());
}
