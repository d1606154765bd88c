using NUnit.Framework;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Syscalls;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests;

/// <summary>Syscalls and helpers as the engines call them: cost before effect, checked pointers, errors as values.</summary>
public sealed class SyscallTests
{
    private int _effects;

    private SyscallRegistry Registry() => new SyscallRegistry()
        .Register("charge_ten", (context, r1, _, _, _, _) =>
        {
            context.Charge(10);
            _effects++;
            return 42;
        })
        .Register("sum_bytes", (context, r1, r2, _, _, _) =>
        {
            context.Charge(r2);
            return context.Read(r1, r2).ToArray().Aggregate(0UL, (sum, b) => sum + b);
        })
        .Register("poke", (context, r1, _, _, _, _) =>
        {
            context.Write(r1, 1)[0] = 0xaa;
            return 0;
        })
        .Register("explode", (_, _, _, _, _, _) => throw new InvalidOperationException("host bug"));

    [TestCase(ulong.MaxValue, 0x8000_0000_0000_0005UL, "Ok 0x0, cu 9223372036854775816", TestName = "A 2^64-1 budget covers a charge above 2^63")]
    [TestCase(0x8000_0000_0000_0006UL, 0x8000_0000_0000_0005UL, "ComputeBudgetExceeded at pc 2, cu 9223372036854775814",
        TestName = "A charge one unit past a budget above 2^63 runs out at the call")]
    [TestCase(0x8000_0000_0000_0008UL, 0x8000_0000_0000_0005UL, "Ok 0x0, cu 9223372036854775816", TestName = "A budget above 2^63 with units to spare")]
    public void Budgets_above_two_to_the_63_are_exact_on_every_engine(ulong budget, ulong charge, string expected)
    {
        // lddw (1) + call (1) + the charge + exit (1): the meter must count past 2^63 exactly on every engine.
        var syscalls = new SyscallRegistry().Register("charge_r1", (context, r1, _, _, _, _) =>
        {
            context.Charge(r1);
            return 0;
        });
        var asm = $"lddw r1, 0x{charge:x}\nsyscall charge_r1\nexit";
        Assert.That(AllEngines.Describe(asm, Profile.Tbpf, budget, syscalls), Is.EqualTo(expected));
    }

    private sealed class StopAfterFlag : IRunInterruption
    {
        public bool StopRequested { get; set; }
    }

    [Test]
    public void A_host_that_asks_to_stop_ends_the_run_after_the_syscall_on_every_engine()
    {
        var syscalls = new SyscallRegistry()
            .Register("charge_then_stop", (context, _, _, _, _, _) =>
            {
                context.Charge(5);
                ((StopAfterFlag)context.HostState!).StopRequested = true;
                return 1;
            });
        var program = Vm.Load(Programs.Executable.FromAssembly("mov r6, 9\nsyscall charge_then_stop\nmov r6, 10\nexit", Profile.Tbpf, syscalls));
        foreach (var engine in Engines.Available)
        {
            var memory = Memory.MemoryMap.Standard(program.Executable.ProgramRegion, [], Profile.Tbpf);
            var result = engine.Run(program, memory, 100, new SyscallContext(memory, new StopAfterFlag()));
            // mov (1) + call (1) + its 5 units; nothing after the call runs.
            Assert.That(result.Describe(), Is.EqualTo("SyscallError at pc 1, cu 7"), engine.Name);
            Assert.That(result.Error!.Message, Does.Contain("charge_then_stop: the host stopped the run"));
        }
    }

    [Test]
    public void Syscall_cost_is_added_to_the_call()
    {
        // call (1) + its 10 units + exit (1)
        Assert.That(AllEngines.Describe("syscall charge_ten\nexit", Profile.Tbpf, 12, Registry()), Is.EqualTo("Ok 0x2a, cu 12"));
        Assert.That(_effects, Is.EqualTo(Engines.Available.Count), "one effect per engine run");
    }

    [Test]
    public void Budget_that_cannot_cover_the_syscall_fails_at_the_call_with_no_effect()
    {
        var result = AllEngines.Run("mov r0, 0\nsyscall charge_ten\nexit", Profile.Tbpf, budget: 11, syscalls: Registry()).Result;
        Assert.That(result.Describe(), Is.EqualTo("ComputeBudgetExceeded at pc 1, cu 11"));
        Assert.That(result.Error!.Syscall, Is.EqualTo("charge_ten"));
        Assert.That(_effects, Is.EqualTo(0), "the syscall charged before its effect and so had none");
    }

    [Test]
    public void Syscall_reads_guest_memory_through_the_regions()
    {
        var outcome = AllEngines.Run("mov r2, 4\nsyscall sum_bytes\nexit", Profile.Tbpf, [1, 2, 3, 4, 100], syscalls: Registry());
        // 1 + 2 + 3 + 4 = 10; cu = mov + call + 4 bytes + exit
        Assert.That(outcome.Result.Describe(), Is.EqualTo("Ok 0xa, cu 7"));
    }

    [Test]
    public void Bad_pointer_is_an_access_violation_at_the_call()
    {
        var result = AllEngines.Run("mov r1, 0\nmov r2, 4\nsyscall sum_bytes\nexit", Profile.Tbpf, syscalls: Registry()).Result;
        Assert.That(result.Describe(), Is.EqualTo("AccessViolation at pc 2, cu 7"));
        Assert.That(result.Error!.Access, Is.EqualTo(new AccessViolation(0, 4, AccessKind.Load, "unmapped")));
    }

    [Test]
    public void Length_past_the_region_is_an_access_violation()
    {
        var result = AllEngines.Run("mov r2, 6\nsyscall sum_bytes\nexit", Profile.Tbpf, [1, 2, 3, 4, 5], syscalls: Registry()).Result;
        Assert.That(result.Error?.Kind, Is.EqualTo(VmErrorKind.AccessViolation));
        Assert.That(result.Error!.Pc, Is.EqualTo(1));
    }

    [Test]
    public void Syscall_cannot_write_read_only_input()
    {
        var result = AllEngines.Run("syscall poke\nexit", Profile.Tbpf, [1], syscalls: Registry()).Result;
        Assert.That(result.Error?.Access?.Kind, Is.EqualTo(AccessKind.Store));
        Assert.That(result.Error!.Access!.Region, Does.Contain("read only"));
    }

    [Test]
    public void Host_exception_becomes_a_syscall_error_naming_the_syscall()
    {
        var result = AllEngines.Run("mov r0, 1\nsyscall explode\nexit", Profile.Tbpf, syscalls: Registry()).Result;
        Assert.That(result.Describe(), Is.EqualTo("SyscallError at pc 1, cu 2"));
        Assert.That(result.Error!.Message, Does.Contain("explode").And.Contain("host bug"));
        Assert.That(result.Error.Syscall, Is.EqualTo("explode"));
    }

    [Test]
    public void Syscalls_leave_r1_to_r5_alone()
    {
        Assert.That(AllEngines.Describe("mov r1, 7\nmov r5, 9\nsyscall charge_ten\nmov r0, r1\nadd r0, r5\nexit", Profile.Tbpf, 100, Registry()),
            Is.EqualTo("Ok 0x10, cu 16"));
    }

    [Test]
    public void Callx_under_rfc9669_calls_the_helper_numbered_by_the_register()
    {
        var helpers = new SyscallRegistry().RegisterHelper(5, "plus_one", (_, r1, _, _, _, _) => r1 + 1);
        Assert.That(AllEngines.Describe("mov r1, 41\nmov r2, 5\ncallx r2\nexit", Profile.Rfc9669, 100, helpers), Is.EqualTo("Ok 0x2a, cu 4"));
        Assert.That(AllEngines.Describe("mov r2, 6\ncallx r2\nexit", Profile.Rfc9669, 100, helpers), Is.EqualTo("CallOutsideText at pc 1, cu 2"));
    }
}
