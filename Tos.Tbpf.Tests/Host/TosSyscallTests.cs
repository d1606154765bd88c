using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Host;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Host;

/// <summary>
/// Each TOS syscall from assembler programs on every engine: its effect, its cost (base + bytes, charged before the
/// effect), bad pointers (an access violation at the call) and broken limits (a SyscallError naming it).
/// The running contract is <see cref="Hash32.Zero"/> (AllEngines' invocation); r1 points at the input.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class TosSyscallTests
{
    private static readonly Hash32 Gold = Hash32.Of("gold"u8), Alice = Hash32.Of("alice"u8), Bob = Hash32.Of("bob"u8);
    private static readonly ChainContext Chain = new(Hash32.Of("tx"u8), Alice, Hash32.Of("block"u8), 77);

    private static (ExecutionResult Result, Invocation Invocation) Run(string asm, byte[]? input = null, ulong budget = 100_000,
        InMemoryContractState? state = null)
    {
        var executable = Executable.FromAssembly(asm, Profile.Tbpf, TosSyscalls.Registry());
        var (outcome, invocation) = AllEngines.Run(executable, input ?? [], budget, state ?? new InMemoryContractState(), Chain);
        return (outcome.Result, invocation);
    }

    private static InMemoryContractState Funded(Hash32 account, Hash32 asset, ulong amount)
    {
        var state = new InMemoryContractState();
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, amount);
        state.Commit([new(StateKeys.Balance(account, asset), bytes)]);
        return state;
    }

    private static ulong Balance(Invocation invocation, Hash32 account, Hash32 asset) =>
        invocation.Overlay.GetU64(StateKeys.Balance(account, asset));

    // ---- tos_log

    [Test]
    public void Log_records_the_message_and_charges_per_byte()
    {
        var (result, invocation) = Run("mov r2, 5\nsyscall tos_log\nexit", "hello"u8.ToArray());
        Assert.That(result.Describe(), Is.EqualTo($"Ok 0x0, cu {3 + TosSyscalls.Cost.Log + 5}"));
        Assert.That(invocation.LogLines, Is.EqualTo(new[] { "hello" }));
    }

    [Test]
    public void Log_through_a_bad_pointer_is_an_access_violation_at_the_call()
    {
        var (result, invocation) = Run("mov r1, 0\nmov r2, 5\nsyscall tos_log\nexit");
        Assert.That(result.Error?.Kind, Is.EqualTo(VmErrorKind.AccessViolation));
        Assert.That(result.Error!.Pc, Is.EqualTo(2));
        Assert.That(invocation.Logs, Is.Empty);
    }

    [Test]
    public void Log_past_its_limit_is_a_syscall_error()
    {
        var (result, _) = Run("mov r2, 2000\nsyscall tos_log\nexit", new byte[2000]);
        Assert.That(result.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
        Assert.That(result.Error!.Message, Does.Contain("tos_log").And.Contain("1024"));
    }

    [Test]
    public void Running_out_of_budget_inside_a_syscall_consumes_it_all_and_has_no_effect()
    {
        // mov, call = 2 units; the log needs 100 + 5 more; 50 are left.
        var (result, invocation) = Run("mov r2, 5\nsyscall tos_log\nexit", "hello"u8.ToArray(), budget: 52);
        Assert.That(result.Describe(), Is.EqualTo("ComputeBudgetExceeded at pc 1, cu 52"));
        Assert.That(invocation.Logs, Is.Empty);
    }

    // ---- hashes and the block

    [TestCase("tos_get_contract_hash", "")]
    [TestCase("tos_get_tx_hash", "tx")]
    [TestCase("tos_get_tx_source", "alice")]
    [TestCase("tos_get_block_hash", "block")]
    public void Hash_getters_write_32_bytes(string syscall, string preimage)
    {
        var expected = preimage.Length == 0 ? Hash32.Zero : Hash32.Of(Encoding.UTF8.GetBytes(preimage));
        // Writes the hash to the stack, returns its first 8 bytes.
        var (result, _) = Run($"mov r1, r10\nsub r1, 32\nsyscall {syscall}\nldxdw r0, [r10-32]\nexit");
        Assert.That(result.R0, Is.EqualTo(BinaryPrimitives.ReadUInt64LittleEndian(expected.ToBytes())));
        Assert.That(result.ComputeUnits, Is.EqualTo(5 + TosSyscalls.Cost.Hash));
    }

    [Test]
    public void Hash_getter_into_read_only_input_is_an_access_violation()
    {
        var (result, _) = Run("syscall tos_get_tx_hash\nexit", new byte[32]);
        Assert.That(result.Error?.Access?.Kind, Is.EqualTo(AccessKind.Store));
    }

    [Test]
    public void Block_height()
    {
        Assert.That(Run("syscall tos_get_block_height\nexit").Result.Describe(), Is.EqualTo($"Ok 0x4d, cu {2 + TosSyscalls.Cost.BlockHeight}"));
    }

    // ---- balances and transfers (the contract's own account is Hash32.Zero here)

    [Test]
    public void Get_balance_reads_account_and_asset()
    {
        var (result, _) = Run("mov r2, r1\nadd r2, 32\nsyscall tos_get_balance\nexit", [.. Alice.ToBytes(), .. Gold.ToBytes()],
            state: Funded(Alice, Gold, 1234));
        Assert.That(result.R0, Is.EqualTo(1234UL));
    }

    [Test]
    public void Transfer_moves_from_the_contract_and_records_it()
    {
        var (result, invocation) = Run("mov r2, r1\nadd r2, 32\nmov r3, 60\nsyscall tos_transfer\nexit", [.. Bob.ToBytes(), .. Gold.ToBytes()],
            state: Funded(Hash32.Zero, Gold, 100));
        Assert.That(result.R0, Is.EqualTo(TosSyscalls.Success));
        Assert.That((Balance(invocation, Hash32.Zero, Gold), Balance(invocation, Bob, Gold)), Is.EqualTo((40UL, 60UL)));
        Assert.That(invocation.Transfers, Is.EqualTo(new[] { new AssetTransfer(Hash32.Zero, Bob, Gold, 60) }));
    }

    [Test]
    public void Transfer_without_the_balance_returns_an_error_code_and_changes_nothing()
    {
        var (result, invocation) = Run("mov r2, r1\nadd r2, 32\nmov r3, 200\nsyscall tos_transfer\nexit", [.. Bob.ToBytes(), .. Gold.ToBytes()],
            state: Funded(Hash32.Zero, Gold, 100));
        Assert.That(result.Describe(), Does.StartWith($"Ok 0x{TosSyscalls.InsufficientBalance:x}"));
        Assert.That(invocation.Overlay.Changes, Is.Empty);
        Assert.That(invocation.Transfers, Is.Empty);
    }

    [Test]
    public void Transfer_with_a_bad_asset_pointer_is_an_access_violation()
    {
        var (result, _) = Run("mov r2, 8\nmov r3, 1\nsyscall tos_transfer\nexit", Bob.ToBytes(), state: Funded(Hash32.Zero, Gold, 100));
        Assert.That(result.Error?.Kind, Is.EqualTo(VmErrorKind.AccessViolation));
        Assert.That(result.Error!.Pc, Is.EqualTo(2));
    }

    [Test]
    public void Burn_destroys_from_the_contract()
    {
        var (result, invocation) = Run("mov r2, 30\nsyscall tos_burn\nexit", Gold.ToBytes(), state: Funded(Hash32.Zero, Gold, 100));
        Assert.That(result.R0, Is.EqualTo(TosSyscalls.Success));
        Assert.That(Balance(invocation, Hash32.Zero, Gold), Is.EqualTo(70UL));
        Assert.That(Run("mov r2, 101\nsyscall tos_burn\nexit", Gold.ToBytes(), state: Funded(Hash32.Zero, Gold, 100)).Result.R0,
            Is.EqualTo(TosSyscalls.InsufficientBalance));
    }

    // ---- storage

    private const string StoreThenLoad = """
        mov r6, r1
        mov r2, 3
        mov r3, r6
        add r3, 3
        mov r4, 4
        syscall tos_storage_store
        mov r1, r6
        mov r2, 3
        mov r3, r10
        sub r3, 8
        mov r4, 8
        syscall tos_storage_load
        ldxw r1, [r10-8]
        lsh r1, 32
        or r0, r1
        exit
        """;

    [Test]
    public void Storage_store_then_load()
    {
        // key "key", value "vvvv": load returns the length 4, and the copied bytes come back.
        var (result, invocation) = Run(StoreThenLoad, "keyvvvv"u8.ToArray());
        Assert.That(result.R0, Is.EqualTo(((ulong)BinaryPrimitives.ReadUInt32LittleEndian("vvvv"u8) << 32) | 4));
        Assert.That(invocation.Overlay.Get(StateKeys.Storage(Hash32.Zero, "key"u8)), Is.EqualTo("vvvv"u8.ToArray()));
        var expectedUnits = 16 + TosSyscalls.Cost.StorageStore + 3 + 4 + TosSyscalls.Cost.StorageLoad + 3 + 4;
        Assert.That(result.ComputeUnits, Is.EqualTo(expectedUnits));
    }

    [Test]
    public void Storage_load_of_a_missing_key_is_not_found()
    {
        var (result, _) = Run("mov r2, 3\nmov r3, r10\nsub r3, 8\nmov r4, 8\nsyscall tos_storage_load\nexit", "key"u8.ToArray());
        Assert.That(result.R0, Is.EqualTo(TosSyscalls.NotFound));
    }

    [Test]
    public void Storage_delete()
    {
        var state = new InMemoryContractState();
        state.Commit([new(StateKeys.Storage(Hash32.Zero, "key"u8), [1])]);
        var (result, invocation) = Run("mov r2, 3\nsyscall tos_storage_delete\nexit", "key"u8.ToArray(), state: state);
        Assert.That(result.R0, Is.EqualTo(TosSyscalls.Success));
        Assert.That(invocation.Overlay.Get(StateKeys.Storage(Hash32.Zero, "key"u8)), Is.Null);
        Assert.That(Run("mov r2, 3\nsyscall tos_storage_delete\nexit", "nop"u8.ToArray(), state: state).Result.R0, Is.EqualTo(TosSyscalls.NotFound));
    }

    [TestCase("mov r2, 65\nmov r3, r1\nmov r4, 1\nsyscall tos_storage_store\nexit", "key", TestName = "Storage key past its limit")]
    [TestCase("mov r2, 0\nmov r3, r1\nmov r4, 1\nsyscall tos_storage_store\nexit", "key", TestName = "Empty storage key")]
    [TestCase("mov r2, 1\nmov r3, r1\nmov r4, 1025\nsyscall tos_storage_store\nexit", "value", TestName = "Storage value past its limit")]
    public void Storage_limits_are_syscall_errors(string asm, string what)
    {
        var (result, invocation) = Run(asm, new byte[2048]);
        Assert.That(result.Error?.Kind, Is.EqualTo(VmErrorKind.SyscallError));
        Assert.That(result.Error!.Message, Does.Contain("tos_storage_store").And.Contain(what));
        Assert.That(invocation.Overlay.Changes, Is.Empty);
    }

    // ---- assets

    private const string CreateGold = "mov r2, 4\nmov r3, r10\nsub r3, 32\nsyscall tos_asset_create\n";

    [Test]
    public void Asset_create_then_mint()
    {
        var asset = Hash32.Of([.. Hash32.Zero.ToBytes(), .. "GOLD"u8]);
        var (result, invocation) = Run(CreateGold + "mov r6, r0\nmov r1, r10\nsub r1, 32\nmov r2, 500\nsyscall tos_asset_mint\nlsh r6, 8\nor r0, r6\nexit",
            "GOLD"u8.ToArray());
        Assert.That(result.R0, Is.EqualTo(0UL), "both succeed");
        Assert.That(Balance(invocation, Hash32.Zero, asset), Is.EqualTo(500UL));
        Assert.That(invocation.Transfers, Is.EqualTo(new[] { new AssetTransfer(Hash32.Zero, Hash32.Zero, asset, 500) }));
    }

    [Test]
    public void Asset_create_twice_and_mint_of_an_unknown_asset_return_codes()
    {
        var (twice, _) = Run(CreateGold + CreateGold + "exit", "GOLD"u8.ToArray());
        Assert.That(twice.R0, Is.EqualTo(TosSyscalls.AlreadyExists));
        var (unknown, _) = Run("mov r2, 5\nsyscall tos_asset_mint\nexit", Gold.ToBytes());
        Assert.That(unknown.R0, Is.EqualTo(TosSyscalls.UnknownAsset));
    }

    [Test]
    public void Only_the_creator_mints()
    {
        var state = new InMemoryContractState();
        state.Commit([new(StateKeys.Asset(Gold), [.. Alice.ToBytes(), .. "GOLD"u8])]);
        Assert.That(Run("mov r2, 5\nsyscall tos_asset_mint\nexit", Gold.ToBytes(), state: state).Result.R0, Is.EqualTo(TosSyscalls.NotCreator));
    }

    [Test]
    public void Asset_create_with_a_bad_output_pointer_creates_nothing()
    {
        var (result, invocation) = Run("mov r2, 4\nmov r3, 0\nsyscall tos_asset_create\nexit", "GOLD"u8.ToArray());
        Assert.That(result.Error?.Kind, Is.EqualTo(VmErrorKind.AccessViolation));
        Assert.That(invocation.Overlay.Changes, Is.Empty);
    }

    // ---- events

    [Test]
    public void Fire_event_records_topic_and_data()
    {
        var (result, invocation) = Run("mov r2, 4\nmov r3, r1\nadd r3, 4\nmov r4, 3\nsyscall tos_fire_event\nexit", "mintabc"u8.ToArray());
        Assert.That(result.ComputeUnits, Is.EqualTo(6 + TosSyscalls.Cost.FireEvent + 7));
        Assert.That(invocation.Events.Single().Topic, Is.EqualTo("mint"u8.ToArray()));
        Assert.That(invocation.Events.Single().Data, Is.EqualTo("abc"u8.ToArray()));
    }

    [Test]
    public void Fire_event_with_a_bad_data_length_is_an_access_violation()
    {
        var (result, invocation) = Run("mov r2, 4\nmov r3, r1\nmov r4, 100\nsyscall tos_fire_event\nexit", "mint"u8.ToArray());
        Assert.That(result.Error?.Kind, Is.EqualTo(VmErrorKind.AccessViolation));
        Assert.That(invocation.Events, Is.Empty);
    }

    [Test]
    public void Asset_ids_are_sha256_of_creator_and_name()
    {
        var (_, invocation) = Run(CreateGold + "exit", "GOLD"u8.ToArray());
        var created = invocation.Overlay.Changes.Single(c => c.Key[0] == (byte)'a');
        Assert.That(created.Key[1..], Is.EqualTo(SHA256.HashData([.. new byte[32], .. "GOLD"u8])));
    }
}
