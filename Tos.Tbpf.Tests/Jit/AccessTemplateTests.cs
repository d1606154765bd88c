using NUnit.Framework;
using Tos.Tbpf.Isa;
using Tos.Tbpf.Jit;
using Tos.Tbpf.Programs;
using Encoder = Tos.Tbpf.Isa.Encoder;
using Instruction = Tos.Tbpf.Isa.Instruction;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>
/// Windowed loads and stores copied from whole-sequence templates: the code must be the ordinary form-by-form emission's,
/// byte for byte (same seed, so the same blinding keys and no-ops), over every load and store opcode, base and value
/// registers, offsets of each size class, blinded and not, store immediates (under the windowed profiles: sbpf V0's
/// gapped stack translates every access in full and has no templates), and random programs.
/// (That the code runs right is what every other JIT test checks, as they all compile with the templates.)
/// </summary>
public sealed class AccessTemplateTests
{
    private static readonly short[] Offsets = [0, 4, -8, 127, 128, -128, -129, 0x1234, -0x3c3d, short.MaxValue, short.MinValue];
    private static readonly int[] StoredImmediates = [0, 1, -1, 0x7f, 0x5a5a5a, int.MinValue];

    private static JitOptions[] OptionSets(int seed) =>
    [
        new(Seed: seed),
        new(BlindConstants: false, Seed: seed),
        new(Metering: false, NopInsertion: false, Seed: seed),
    ];

    private static void AssertSameCode(VerifiedExecutable program, string what)
    {
        foreach (var options in OptionSets(seed: 5))
        {
            using var copied = JitProgram.Compile(program, options);
            using var ordinary = JitProgram.Compile(program, options with { AccessTemplates = false });
            Assert.That(copied.Code.ToArray(), Is.EqualTo(ordinary.Code.ToArray()), $"{what}, {options}");
        }
    }

    [Test]
    public void Every_load_and_store_form_compiles_to_the_ordinary_code([Values("tbpf", "rfc9669", "sbpfv3")] string profileName)
    {
        var profile = Profile.ByName(profileName)!;
        var code = new List<Instruction>();
        foreach (var row in OpcodeTable.All.Where(r => r.Kind is InstructionKind.Load or InstructionKind.Store
                     && (profile.Features & r.Requires) == r.Requires))
        {
            var isLoad = row.Kind == InstructionKind.Load;
            foreach (var (baseRegister, value) in new (byte, byte)[] { (1, 2), (10, 3), (5, 0), (9, 9) })
            {
                foreach (var offset in Offsets)
                {
                    // A load's value register is its dst (never r10, which cannot be written), a store's its src.
                    var (dst, src) = isLoad ? (value, baseRegister) : (baseRegister, value);
                    if (row.UsesImmediate)
                    {
                        code.AddRange(StoredImmediates.Select(imm => Encoder.Make(row.Op, dst, 0, offset, imm)));
                    }
                    else
                    {
                        code.Add(Encoder.Make(row.Op, dst, src, offset));
                    }
                }
            }
        }

        Assert.That(code, Has.Count.GreaterThan(400), "the grid covers the loads and stores");
        code.Add(Encoder.Make(Op.Exit));
        AssertSameCode(Vm.Load(Executable.FromBytecode(Encoder.Encode(code), profile)), profileName);
    }

    [Test]
    public void Random_programs_compile_to_the_ordinary_code([Values("tbpf", "rfc9669")] string profileName)
    {
        var profile = Profile.ByName(profileName)!;
        var syscalls = new Syscalls.SyscallRegistry();
        var accesses = 0;
        for (var seed = 1; seed <= 24; seed++)
        {
            var code = new Support.RandomPrograms(seed * 104_729, profile, syscalls).Next(200);
            accesses += code.Count(i => i.Op is not (Op.LddwTail or Op.Invalid) && i.Info.Kind is InstructionKind.Load or InstructionKind.Store);
            AssertSameCode(Vm.Load(Executable.FromBytecode(Encoder.Encode(code), profile, syscalls)), $"{profileName} seed {seed}");
        }

        Assert.That(accesses, Is.GreaterThan(100), "the programs load and store");
    }
}
