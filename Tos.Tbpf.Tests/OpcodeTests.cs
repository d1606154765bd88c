using NUnit.Framework;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>
/// Per-opcode behaviour under the TBPF profile on every engine. Each expectation is worked out by hand from
/// RFC 9669 (the comment shows the arithmetic), never taken from an engine's output.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class OpcodeTests
{
    private static string Run(string body) => AllEngines.Describe(body + "\nexit", Profile.Tbpf);

    // ALU64 and ALU32: 32-bit results are zero-extended; imm is sign-extended for 64-bit ops.
    [TestCase("mov r0, -1\nadd r0, 2", ExpectedResult = "Ok 0x1, cu 3")]
    [TestCase("mov r0, -1\nadd32 r0, 2", ExpectedResult = "Ok 0x1, cu 3")]
    [TestCase("mov32 r0, -1", ExpectedResult = "Ok 0xffffffff, cu 2")]
    [TestCase("mov r0, -1", ExpectedResult = "Ok 0xffffffffffffffff, cu 2")]
    [TestCase("lddw r0, 0x1ffffffff\nadd32 r0, 1", ExpectedResult = "Ok 0x0, cu 3")]
    [TestCase("mov r0, 3\nsub r0, 5", ExpectedResult = "Ok 0xfffffffffffffffe, cu 3")]
    [TestCase("mov r0, 3\nsub32 r0, 5", ExpectedResult = "Ok 0xfffffffe, cu 3")]
    [TestCase("mov r0, 0x10000\nmul r0, 0x10000", ExpectedResult = "Ok 0x100000000, cu 3")]
    [TestCase("mov r0, 0x10000\nmul32 r0, 0x10000", ExpectedResult = "Ok 0x0, cu 3")]
    [TestCase("mov r0, -1\nmul r0, -1", ExpectedResult = "Ok 0x1, cu 3")]
    [TestCase("mov r0, 100\ndiv r0, 7", ExpectedResult = "Ok 0xe, cu 3")]
    [TestCase("mov r0, -1\ndiv r0, 2", ExpectedResult = "Ok 0x7fffffffffffffff, cu 3")]
    [TestCase("mov r0, -1\ndiv32 r0, 2", ExpectedResult = "Ok 0x7fffffff, cu 3")]
    [TestCase("mov r0, 100\nmod r0, 7", ExpectedResult = "Ok 0x2, cu 3")]
    [TestCase("mov r0, -100\nsdiv r0, 7", ExpectedResult = "Ok 0xfffffffffffffff2, cu 3")] // -14
    [TestCase("mov r0, -100\nsmod r0, 7", ExpectedResult = "Ok 0xfffffffffffffffe, cu 3")] // -2: sign of the dividend
    [TestCase("mov r0, 100\nsmod r0, -7", ExpectedResult = "Ok 0x2, cu 3")]
    [TestCase("mov32 r0, -100\nsdiv32 r0, 7", ExpectedResult = "Ok 0xfffffff2, cu 3")]
    [TestCase("mov r0, 0xf0\nor r0, 0x0f", ExpectedResult = "Ok 0xff, cu 3")]
    [TestCase("mov r0, -1\nand32 r0, -1", ExpectedResult = "Ok 0xffffffff, cu 3")]
    [TestCase("mov r0, 0xff\nxor r0, -1", ExpectedResult = "Ok 0xffffffffffffff00, cu 3")]
    [TestCase("mov r0, 1\nlsh r0, 63", ExpectedResult = "Ok 0x8000000000000000, cu 3")]
    [TestCase("mov r0, 1\nlsh32 r0, 31", ExpectedResult = "Ok 0x80000000, cu 3")]
    [TestCase("mov r0, 1\nmov r1, 65\nlsh r0, r1", ExpectedResult = "Ok 0x2, cu 4")] // count masked to 6 bits
    [TestCase("mov r0, 1\nmov r1, 33\nlsh32 r0, r1", ExpectedResult = "Ok 0x2, cu 4")] // count masked to 5 bits
    [TestCase("mov r0, -1\nrsh r0, 60", ExpectedResult = "Ok 0xf, cu 3")]
    [TestCase("mov r0, -1\nrsh32 r0, 28", ExpectedResult = "Ok 0xf, cu 3")]
    [TestCase("mov r0, -16\narsh r0, 2", ExpectedResult = "Ok 0xfffffffffffffffc, cu 3")]
    [TestCase("mov32 r0, -16\narsh32 r0, 2", ExpectedResult = "Ok 0xfffffffc, cu 3")]
    [TestCase("lddw r0, 0x80000000\nmov r1, 31\narsh32 r0, r1", ExpectedResult = "Ok 0xffffffff, cu 4")]
    [TestCase("mov r0, 5\nneg r0", ExpectedResult = "Ok 0xfffffffffffffffb, cu 3")]
    [TestCase("mov r0, 5\nneg32 r0", ExpectedResult = "Ok 0xfffffffb, cu 3")]
    [TestCase("mov r1, 0x80\nmovsx864 r0, r1", ExpectedResult = "Ok 0xffffffffffffff80, cu 3")]
    [TestCase("mov r1, 0x80\nmovsx832 r0, r1", ExpectedResult = "Ok 0xffffff80, cu 3")]
    [TestCase("mov r1, 0x8000\nmovsx1664 r0, r1", ExpectedResult = "Ok 0xffffffffffff8000, cu 3")]
    [TestCase("mov r1, 0x7fff\nmovsx1632 r0, r1", ExpectedResult = "Ok 0x7fff, cu 3")]
    [TestCase("mov32 r1, 0x80000000\nmovsx3264 r0, r1", ExpectedResult = "Ok 0xffffffff80000000, cu 3")]
    public string Arithmetic(string body) => Run(body);

    [TestCase("lddw r0, 0x1122334455667788\nbe16 r0", ExpectedResult = "Ok 0x8877, cu 3")]
    [TestCase("lddw r0, 0x1122334455667788\nbe32 r0", ExpectedResult = "Ok 0x88776655, cu 3")]
    [TestCase("lddw r0, 0x1122334455667788\nbe64 r0", ExpectedResult = "Ok 0x8877665544332211, cu 3")]
    [TestCase("lddw r0, 0x1122334455667788\nle16 r0", ExpectedResult = "Ok 0x7788, cu 3")]
    [TestCase("lddw r0, 0x1122334455667788\nle32 r0", ExpectedResult = "Ok 0x55667788, cu 3")]
    [TestCase("lddw r0, 0x1122334455667788\nle64 r0", ExpectedResult = "Ok 0x1122334455667788, cu 3")]
    [TestCase("lddw r0, 0x1122334455667788\nbswap16 r0", ExpectedResult = "Ok 0x8877, cu 3")]
    [TestCase("lddw r0, 0x1122334455667788\nbswap64 r0", ExpectedResult = "Ok 0x8877665544332211, cu 3")]
    public string Byte_swaps(string body) => Run(body);

    // Stores then loads on the stack; sign-extending loads.
    [TestCase("stdw [r10-8], -2\nldxdw r0, [r10-8]", ExpectedResult = "Ok 0xfffffffffffffffe, cu 3")]
    [TestCase("stw [r10-8], -2\nldxw r0, [r10-8]", ExpectedResult = "Ok 0xfffffffe, cu 3")]
    [TestCase("sth [r10-8], -2\nldxh r0, [r10-8]", ExpectedResult = "Ok 0xfffe, cu 3")]
    [TestCase("stb [r10-8], -2\nldxb r0, [r10-8]", ExpectedResult = "Ok 0xfe, cu 3")]
    [TestCase("stb [r10-8], 0x80\nldxsb r0, [r10-8]", ExpectedResult = "Ok 0xffffffffffffff80, cu 3")]
    [TestCase("sth [r10-8], 0x8001\nldxsh r0, [r10-8]", ExpectedResult = "Ok 0xffffffffffff8001, cu 3")]
    [TestCase("stw [r10-8], 0x80000001\nldxsw r0, [r10-8]", ExpectedResult = "Ok 0xffffffff80000001, cu 3")]
    [TestCase("lddw r1, 0x0102030405060708\nstxdw [r10-8], r1\nldxh r0, [r10-6]", ExpectedResult = "Ok 0x506, cu 4")] // little-endian
    [TestCase("mov r1, 0x1ff\nstxb [r10-1], r1\nldxb r0, [r10-1]", ExpectedResult = "Ok 0xff, cu 4")]
    public string Loads_and_stores(string body) => Run(body);

    // Atomics: r1 = operand; memory starts at 12; the result packs (memory << 32 | fetched register).
    [TestCase("lock add [r10-8], r1", ExpectedResult = "Ok 0x1100000005, cu 7")] // 12 + 5 = 17; r1 unchanged
    [TestCase("lock fetch add [r10-8], r1", ExpectedResult = "Ok 0x110000000c, cu 7")] // r1 = old 12
    [TestCase("lock or [r10-8], r1", ExpectedResult = "Ok 0xd00000005, cu 7")] // 12 | 5 = 13
    [TestCase("lock fetch and [r10-8], r1", ExpectedResult = "Ok 0x40000000c, cu 7")] // 12 & 5 = 4
    [TestCase("lock fetch xor32 [r10-8], r1", ExpectedResult = "Ok 0x90000000c, cu 7")] // 12 ^ 5 = 9
    [TestCase("lock xchg [r10-8], r1", ExpectedResult = "Ok 0x50000000c, cu 7")]
    public string Atomics(string op) => Run(
        $"stdw [r10-8], 12\nmov r1, 5\n{op}\nldxdw r0, [r10-8]\nlsh r0, 32\nor r0, r1");

    [TestCase("mov r0, 12", ExpectedResult = "Ok 0x70000000c, cu 8")] // equal: memory = 7, r0 = old 12
    [TestCase("mov r0, 13", ExpectedResult = "Ok 0xc0000000c, cu 8")] // different: memory stays 12, r0 = old 12
    public string Compare_and_exchange(string setR0) =>
        Run($"stdw [r10-8], 12\nmov r1, 7\n{setR0}\nlock cmpxchg [r10-8], r1\nldxdw r2, [r10-8]\nlsh r2, 32\nor r0, r2");

    // Conditional jumps: r0 = 1 and one more unit when taken, r0 = 0 when not.
    [TestCase("mov r1, -1\njgt r1, 1, yes", ExpectedResult = "Ok 0x1, cu 5")] // unsigned: 2^64-1 > 1
    [TestCase("mov r1, -1\njsgt r1, 1, yes", ExpectedResult = "Ok 0x0, cu 4")] // signed: -1 > 1 is false
    [TestCase("mov r1, -1\njslt r1, 0, yes", ExpectedResult = "Ok 0x1, cu 5")]
    [TestCase("mov r1, 5\njge r1, 5, yes", ExpectedResult = "Ok 0x1, cu 5")]
    [TestCase("mov r1, 5\njle r1, 4, yes", ExpectedResult = "Ok 0x0, cu 4")]
    [TestCase("mov r1, 6\njset r1, 2, yes", ExpectedResult = "Ok 0x1, cu 5")]
    [TestCase("lddw r1, 0x100000005\njeq32 r1, 5, yes", ExpectedResult = "Ok 0x1, cu 5")] // low halves only
    [TestCase("lddw r1, 0x100000005\njeq r1, 5, yes", ExpectedResult = "Ok 0x0, cu 4")]
    [TestCase("mov32 r1, -1\njsgt32 r1, 0, yes", ExpectedResult = "Ok 0x0, cu 4")] // 0xffffffff is -1 in 32 bits
    [TestCase("mov r1, 3\nmov r2, 3\njne r1, r2, yes", ExpectedResult = "Ok 0x0, cu 5")]
    [TestCase("mov r1, 2\nmov r2, 3\njlt32 r1, r2, yes", ExpectedResult = "Ok 0x1, cu 6")]
    [TestCase("mov r1, -2\nmov r2, 3\njsle r1, r2, yes", ExpectedResult = "Ok 0x1, cu 6")]
    public string Conditional_jumps(string test) => Run($"mov r0, 0\n{test}\nexit\nyes:\nmov r0, 1");

    [Test]
    public void Lddw_tail_is_skipped()
    {
        Assert.That(Run("lddw r0, 0x1\nadd r0, 1"), Is.EqualTo("Ok 0x2, cu 3"));
    }
}
