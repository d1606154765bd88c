using NUnit.Framework;
using Tos.Tbpf.Isa;

namespace Tos.Tbpf.Tests;

/// <summary>
/// The per-opcode facts the engines dispatch on (kind, ALU operation, condition, width, source, atomic operation,
/// block end) against the encoding fields RFC 9669 defines for each row's opcode byte: class (§3.3), source bit
/// (§3.3.1), operation / condition nibble (§4.1, §4.3) and the atomic imm (§5.3).
/// </summary>
public sealed class OpcodeFactsTests
{
    private static readonly Dictionary<int, AluOperation> AluNibble = new()
    {
        [0x00] = AluOperation.Add, [0x10] = AluOperation.Sub, [0x20] = AluOperation.Mul, [0x30] = AluOperation.Div,
        [0x40] = AluOperation.Or, [0x50] = AluOperation.And, [0x60] = AluOperation.Lsh, [0x70] = AluOperation.Rsh,
        [0x90] = AluOperation.Mod, [0xa0] = AluOperation.Xor, [0xb0] = AluOperation.Mov, [0xc0] = AluOperation.Arsh,
    };

    private static readonly Dictionary<int, JumpCondition> JumpNibble = new()
    {
        [0x00] = JumpCondition.Always, [0x10] = JumpCondition.Eq, [0x20] = JumpCondition.Gt, [0x30] = JumpCondition.Ge,
        [0x40] = JumpCondition.Set, [0x50] = JumpCondition.Ne, [0x60] = JumpCondition.SGt, [0x70] = JumpCondition.SGe,
        [0xa0] = JumpCondition.Lt, [0xb0] = JumpCondition.Le, [0xc0] = JumpCondition.SLt, [0xd0] = JumpCondition.SLe,
    };

    private static readonly Dictionary<int, AtomicOperation> AtomicImm = new()
    {
        [0x00] = AtomicOperation.Add, [0x40] = AtomicOperation.Or, [0x50] = AtomicOperation.And, [0xa0] = AtomicOperation.Xor,
        [0x01] = AtomicOperation.FetchAdd, [0x41] = AtomicOperation.FetchOr, [0x51] = AtomicOperation.FetchAnd,
        [0xa1] = AtomicOperation.FetchXor, [0xe1] = AtomicOperation.Xchg, [0xf1] = AtomicOperation.CmpXchg,
    };

    public static IEnumerable<TestCaseData> Rows() => OpcodeTable.All.Select(r => new TestCaseData(r).SetName($"Facts of {r.Op}"));

    [TestCaseSource(nameof(Rows))]
    public void Facts_agree_with_the_encoding(OpcodeInfo row)
    {
        var cls = row.Code & 0x07;
        var nibble = row.Code & 0xf0;
        var sourceIsRegister = (row.Code & 0x08) != 0;
        switch (cls)
        {
            case 0x04 or 0x07 when row.Op == Op.Lddw:
                Assert.Fail("lddw is class LD");
                break;
            case 0x04 or 0x07:
            {
                var isMovsx = nibble == 0xb0 && row.Discriminant == Discriminant.Offset && row.DiscriminantValue != 0;
                var isUnary = nibble is 0x80 or 0xd0 || isMovsx;
                Assert.That(row.Kind, Is.EqualTo(isUnary ? InstructionKind.UnaryAlu : InstructionKind.BinaryAlu));
                if (!isUnary)
                {
                    var signed = row.Discriminant == Discriminant.Offset && row.DiscriminantValue == 1;
                    var expected = AluNibble[nibble] switch
                    {
                        AluOperation.Div when signed => AluOperation.SDiv,
                        AluOperation.Mod when signed => AluOperation.SMod,
                        var operation => operation,
                    };
                    Assert.That(row.Alu, Is.EqualTo(expected));
                    Assert.That(row.Is64, Is.EqualTo(cls == 0x07), "ALU64 class");
                    Assert.That(row.UsesImmediate, Is.EqualTo(!sourceIsRegister), "source bit");
                }

                Assert.That(row.EndsBlock, Is.False);
                break;
            }
            case 0x05 or 0x06 when nibble is 0x80 or 0x90:
                Assert.That(row.Kind, Is.AnyOf(InstructionKind.Call, InstructionKind.CallLocal, InstructionKind.Callx, InstructionKind.Exit));
                Assert.That(row.EndsBlock, Is.True);
                break;
            case 0x05 or 0x06:
                Assert.That(row.Kind, Is.EqualTo(InstructionKind.Jump));
                Assert.That(row.Condition, Is.EqualTo(JumpNibble[nibble]));
                if (row.Condition != JumpCondition.Always)
                {
                    Assert.That(row.Is64, Is.EqualTo(cls == 0x05), "JMP (64) vs JMP32 class");
                    Assert.That(row.UsesImmediate, Is.EqualTo(!sourceIsRegister), "source bit");
                }

                Assert.That(row.EndsBlock, Is.True);
                break;
            case 0x03 when (row.Code & 0xe0) == 0xc0:
                Assert.That(row.Kind, Is.EqualTo(InstructionKind.Atomic));
                Assert.That(row.Atomic, Is.EqualTo(AtomicImm[row.DiscriminantValue]));
                Assert.That(row.Is64, Is.EqualTo((row.Code & 0x18) == 0x18), "DW size");
                break;
            case 0x01:
                Assert.That(row.Kind, Is.EqualTo(InstructionKind.Load));
                break;
            case 0x02 or 0x03:
                Assert.That(row.Kind, Is.EqualTo(InstructionKind.Store));
                Assert.That(row.UsesImmediate, Is.EqualTo(cls == 0x02), "ST stores imm, STX a register");
                break;
            case 0x00:
                Assert.That(row.Kind, Is.EqualTo(InstructionKind.LoadImm64));
                break;
            default:
                Assert.Fail($"class {cls} is not in the table");
                break;
        }
    }
}
