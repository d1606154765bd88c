using System.Collections.Concurrent;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Execution;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Host;

/// <summary>The outcome of one invocation.</summary>
/// <param name="ExitCode">r0 at the final exit; null when the run ended with a VM error (or never started).</param>
/// <param name="ComputeUnits">Units consumed.</param>
/// <param name="Logs">Logged messages as text.</param>
/// <param name="Events">Fired events.</param>
/// <param name="Transfers">Asset movements (deposits first).</param>
/// <param name="Refund">Budget − consumed.</param>
/// <param name="Error">The VM error, if any.</param>
/// <param name="Committed">Whether the state changes were committed (the run ended without error and with exit code 0).</param>
/// <param name="Failure">Why the invocation did not start (a deposit the sender cannot pay), if it did not.</param>
public sealed record InvocationResult(ulong? ExitCode, ulong ComputeUnits, IReadOnlyList<string> Logs, IReadOnlyList<ContractEvent> Events,
    IReadOnlyList<AssetTransfer> Transfers, ulong Refund, VmError? Error, bool Committed, string? Failure = null);

/// <summary>
/// What the node links: deploy a contract once (verify, compile, cache by hash), then invoke it many times, each
/// invocation over its own state overlay that is committed only when the run ends without error and with exit
/// code 0. Otherwise nothing changes and the deposits stay with the sender. Thread-safe: invocations run in
/// parallel over separate overlays; commits are serialised.
/// </summary>
public sealed class ContractHost
{
    /// <summary>The default and largest budget of one invocation.</summary>
    public const ulong DefaultBudget = 200_000, MaxBudget = 1_400_000;

    private readonly IContractState _state;
    private readonly EngineKind _engineKind;
    private readonly IEngine _engine;
    private readonly SyscallRegistry _syscalls = TosSyscalls.Registry();
    private readonly ConcurrentDictionary<Hash32, VerifiedExecutable> _programs = new();
    private readonly Lock _commit = new();

    /// <summary>A host over <paramref name="state"/> running contracts on <paramref name="engine"/>.</summary>
    public ContractHost(IContractState state, EngineKind engine = EngineKind.Auto)
    {
        _state = state;
        _engineKind = engine;
        _engine = Engines.Get(engine);
    }

    /// <summary>The engine invocations run on.</summary>
    public string EngineName => _engine.Name;

    /// <summary>Loads, verifies and compiles <paramref name="elf"/> and stores it; returns its hash (SHA-256 of the file).
    /// Throws <see cref="ElfException"/> or <see cref="Verification.VerifierException"/> for a bad contract.</summary>
    public Hash32 Deploy(byte[] elf)
    {
        var program = Load(elf);
        var hash = Hash32.Of(elf);
        if (_state.Get(StateKeys.Code(hash)) is null)
        {
            lock (_commit)
            {
                _state.Commit([new KeyValuePair<byte[], byte[]?>(StateKeys.Code(hash), elf)]);
            }
        }

        _programs[hash] = program;
        return hash;
    }

    /// <summary>Whether <paramref name="contract"/> is deployed.</summary>
    public bool IsDeployed(Hash32 contract) => _programs.ContainsKey(contract) || _state.Get(StateKeys.Code(contract)) is not null;

    /// <summary>Runs <paramref name="contract"/> with <paramref name="input"/>; see the class summary for what is committed.</summary>
    public InvocationResult Invoke(Hash32 contract, ReadOnlySpan<byte> input, IReadOnlyList<Deposit>? deposits = null,
        ulong budget = DefaultBudget, ChainContext? chain = null)
    {
        if (budget is 0 or > MaxBudget)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, $"a budget is 1 to {MaxBudget} compute units");
        }

        chain ??= ChainContext.Offline;
        var program = Program(contract);
        var invocation = new Invocation(contract, new StateOverlay(_state), chain);
        foreach (var deposit in deposits ?? [])
        {
            if (!invocation.Overlay.TryMove(chain.TxSource, contract, deposit.Asset, deposit.Amount))
            {
                return new InvocationResult(null, 0, [], [], [], budget, null, false,
                    $"the sender cannot deposit {deposit.Amount} of asset {deposit.Asset}");
            }

            invocation.Transfers.Add(new AssetTransfer(chain.TxSource, contract, deposit.Asset, deposit.Amount));
        }

        var result = Vm.Run(program, input, budget, _engineKind, hostState: invocation).Result;
        var commit = result.IsOk && result.R0 == 0;
        if (commit)
        {
            lock (_commit)
            {
                _state.Commit(invocation.Overlay.Changes);
            }
        }

        return new InvocationResult(result.IsOk ? result.R0 : null, result.ComputeUnits, invocation.LogLines.ToList(), invocation.Events,
            invocation.Transfers, budget - result.ComputeUnits, result.Error, commit);
    }

    /// <summary>A contract's storage, in key order.</summary>
    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Storage(Hash32 contract)
    {
        var prefix = StateKeys.StoragePrefix(contract);
        return _state.Scan(prefix).Select(e => new KeyValuePair<byte[], byte[]>(e.Key[prefix.Length..], e.Value)).ToList();
    }

    /// <summary>An account's balances by asset.</summary>
    public IReadOnlyList<(Hash32 Asset, ulong Amount)> Balances(Hash32 account)
    {
        var prefix = StateKeys.BalancePrefix(account);
        return _state.Scan(prefix).Select(e => (Hash32.From(e.Key.AsSpan(prefix.Length)), TosSyscalls.ReadU64(e.Value))).ToList();
    }

    /// <summary>Credits an account outside any contract: how a devnet or a test funds the senders of deposits.</summary>
    public void Credit(Hash32 account, Hash32 asset, ulong amount)
    {
        lock (_commit)
        {
            var overlay = new StateOverlay(_state);
            var key = StateKeys.Balance(account, asset);
            overlay.PutU64(key, checked(overlay.GetU64(key) + amount));
            _state.Commit(overlay.Changes);
        }
    }

    private VerifiedExecutable Program(Hash32 contract) => _programs.GetOrAdd(contract, hash =>
        Load(_state.Get(StateKeys.Code(hash)) ?? throw new ArgumentException($"no contract {hash} is deployed", nameof(contract))));

    private VerifiedExecutable Load(byte[] elf)
    {
        var program = Vm.Load(ElfLoader.Load(elf, Profile.Tbpf, _syscalls));
        _engine.Prepare(program);
        return program;
    }
}
