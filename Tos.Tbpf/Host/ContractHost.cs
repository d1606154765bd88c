using System.Collections.Concurrent;
using Tos.Tbpf.Elf;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.Programs;
using Tos.Tbpf.State;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Host;

/// <summary>
/// What the node links: deploy a contract once (verify, compile, cache), then invoke it many times, each invocation over
/// its own state overlay that is committed only when the run ends without error and with exit code 0; otherwise nothing
/// changes and the deposits stay with the sender.
/// <para>Thread-safe and serializable (DESIGN §9): concurrent invocations run optimistically, each recording what it
/// read; at commit, under one lock, its reads are validated against the committed state and, if one changed, it is run
/// again (after <see cref="OptimisticAttempts"/> conflicts it runs under the lock, so it always finishes). The results and
/// the state are those of running the invocations one after another in commit order: no lost update, no double spend.
/// <see cref="ExecuteBlock"/> runs a block's transactions on several threads with the results of its own order.</para>
/// </summary>
public sealed class ContractHost
{
    /// <summary>The default and largest budget of one invocation.</summary>
    public const ulong DefaultBudget = 200_000, MaxBudget = 1_400_000;

    /// <summary>Optimistic runs of one invocation before it runs under the commit lock.</summary>
    public const int OptimisticAttempts = 3;

    private readonly IContractState _state;
    private readonly SyscallRegistry _syscalls = TosSyscalls.Registry();
    private readonly ConcurrentDictionary<Hash32, VerifiedExecutable> _programs = new();
    private readonly InvocationRunner _runner;
    private readonly IEngine _engine;
    private readonly Lock _commit = new();
    private readonly CommittedStateSource _committed;

    /// <summary>A host over <paramref name="state"/> running contracts on <paramref name="engine"/>, settling gas with
    /// <paramref name="gasPolicy"/> (<see cref="GasPolicy.Default"/> when null).</summary>
    public ContractHost(IContractState state, EngineKind engine = EngineKind.Auto, GasPolicy? gasPolicy = null)
        : this(state, Engines.Get(engine), gasPolicy)
    {
    }

    /// <summary>A host whose invocations run on <paramref name="engine"/>: an engine of <see cref="Engines"/>, or one that
    /// wraps it (<c>tbpf trace</c> and <c>tbpf profile</c> watch a deployed contract through an observing interpreter).</summary>
    public ContractHost(IContractState state, IEngine engine, GasPolicy? gasPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _state = state;
        _committed = new CommittedStateSource(state);
        _engine = engine;
        GasPolicy = gasPolicy ?? GasPolicy.Default;
        _runner = new InvocationRunner(_engine, GasPolicy);
    }

    /// <summary>The engine invocations run on.</summary>
    public string EngineName => _engine.Name;

    /// <summary>How used gas is split into burned and paid.</summary>
    public GasPolicy GasPolicy { get; }

    /// <summary>How parallel blocks handle contention; tests switch the serial fallback off and on.</summary>
    internal Blocks.ParallelBlockOptions BlockOptions { get; set; } = Blocks.ParallelBlockOptions.Default;

    /// <summary>How the last block went (re-executions, fallback), for tests and benchmarks.</summary>
    internal Blocks.BlockOutcome? LastBlock { get; private set; }

    // Guarded by _commit, like everything ExecuteBlock does.
    private readonly Blocks.ContentionHistory _contention = new();

    /// <summary>The digest of the whole state (<see cref="StateDigest"/>).</summary>
    public Hash32 StateDigest() => _state.Digest();

    /// <summary>Deploys <paramref name="elf"/> without a constructor; returns its id (the SHA-256 of the object).
    /// Throws <see cref="ElfException"/> or <see cref="Verification.VerifierException"/> for a bad contract.</summary>
    public Hash32 Deploy(byte[] elf) => Deploy(new DeployContractPayload(elf)).Contract;

    /// <summary>
    /// Loads, verifies and compiles the payload's contract, runs its constructor if it has one, and stores it if the
    /// constructor exits with 0 (with the constructor's state changes, in one commit). The id is the deploy
    /// transaction's hash when <paramref name="chain"/> names one (as TOS addresses contracts), else the SHA-256 of the
    /// object (and of the entry point's name, when one is given). Deploying an id that exists changes nothing.
    /// Throws <see cref="ElfException"/> or <see cref="Verification.VerifierException"/> for a bad contract.
    /// </summary>
    public DeployResult Deploy(DeployContractPayload payload, ChainContext? chain = null)
    {
        chain ??= ChainContext.Offline;
        var program = Load(payload.Elf, payload.EntryPoint);
        var contract = !chain.TxHash.IsZero ? chain.TxHash
            : payload.EntryPoint is null ? Hash32.Of(payload.Elf)
            : Hash32.Of([.. payload.Elf, 0, .. System.Text.Encoding.UTF8.GetBytes(payload.EntryPoint)]);
        var record = PayloadSerializer.Write(payload with { Constructor = null });
        var codeKey = StateKeys.Code(contract);
        var constructor = payload.Constructor;
        var work = new DelegateWork<DeployResult>(overlay =>
        {
            if (overlay.Get(codeKey) is not null)
            {
                return new DeployResult(contract, false, null);
            }

            InvocationResult? result = null;
            if (constructor is not null)
            {
                CheckBudget(constructor.MaxGas);
                result = _runner.Run(program, contract, overlay, constructor.Input, constructor.Deposits, constructor.MaxGas, chain);
            }

            if (result is { Committed: false })
            {
                return new DeployResult(contract, false, result);
            }

            overlay.Put(codeKey, record);
            return new DeployResult(contract, true, result);
        });
        var outcome = Serialized<DelegateWork<DeployResult>, DeployResult>(ref work);
        // Only this deploy's own code may be cached under the id: an id that was taken (a transaction hash names any
        // object) keeps the code stored under it, loaded from state at its first invocation.
        if (outcome.Deployed)
        {
            _programs.TryAdd(contract, program);
        }

        return outcome;
    }

    /// <summary>Loads, verifies and compiles a deployed contract now rather than at its first invocation (a node does it
    /// for its contracts at start-up). False when no such contract is deployed.</summary>
    public bool Preload(Hash32 contract) => Program(contract) is not null;

    /// <summary>Whether <paramref name="contract"/> is deployed.</summary>
    public bool IsDeployed(Hash32 contract) => _programs.ContainsKey(contract) || _state.Get(StateKeys.Code(contract)) is not null;

    /// <summary>Runs <paramref name="contract"/> with <paramref name="input"/>; see the class summary for what is committed.
    /// Throws <see cref="ArgumentOutOfRangeException"/> for a budget outside 1 to <see cref="MaxBudget"/> and
    /// <see cref="ArgumentException"/> when no such contract is deployed.</summary>
    public InvocationResult Invoke(Hash32 contract, ReadOnlySpan<byte> input, IReadOnlyList<Deposit>? deposits = null,
        ulong budget = DefaultBudget, ChainContext? chain = null)
    {
        CheckBudget(budget);
        var program = Program(contract) ?? throw new ArgumentException($"no contract {contract} is deployed", nameof(contract));
        return InvokeSerialized(program, contract, input, deposits ?? [], budget, chain ?? ChainContext.Offline);
    }

    /// <summary>Runs an invocation payload sent by <paramref name="chain"/>'s source; an unknown contract is a result
    /// with <see cref="InvocationFailure.UnknownContract"/>, not an exception.</summary>
    public InvocationResult Invoke(InvokeContractPayload payload, ChainContext chain)
    {
        CheckBudget(payload.MaxGas);
        return InvokeSerialized(Program(payload.Contract), payload.Contract, payload.Input, payload.Deposits, payload.MaxGas, chain);
    }

    /// <summary>
    /// Runs an invocation without committing it: the result and the changes it would commit, over a snapshot of what it
    /// read. <see cref="TryCommit"/> commits it later if nothing it read has changed meanwhile. Differential runs use it
    /// (one simulation per engine, compared, then one commit); a node can use it to pre-execute.
    /// </summary>
    public SimulatedInvocation Simulate(Hash32 contract, ReadOnlySpan<byte> input, IReadOnlyList<Deposit>? deposits = null,
        ulong budget = DefaultBudget, ChainContext? chain = null)
    {
        CheckBudget(budget);
        var program = Program(contract) ?? throw new ArgumentException($"no contract {contract} is deployed", nameof(contract));
        var overlay = new StateOverlay(_committed);
        var result = _runner.Run(program, contract, overlay, input, deposits ?? [], budget, chain ?? ChainContext.Offline);
        return new SimulatedInvocation(this, result, overlay);
    }

    /// <summary>Commits a simulation of this host if every key it read still holds what it read; false (and nothing
    /// committed) otherwise. A simulation commits at most once.</summary>
    public bool TryCommit(SimulatedInvocation simulation)
    {
        if (!ReferenceEquals(simulation.Host, this))
        {
            throw new ArgumentException("the simulation belongs to another host", nameof(simulation));
        }

        lock (_commit)
        {
            if (simulation.Finished || !simulation.Overlay.ReadsStillHold(_state))
            {
                return false;
            }

            simulation.Finished = true;
            if (simulation.Overlay.WriteCount > 0)
            {
                _state.Commit(simulation.Overlay.Changes);
            }

            return true;
        }
    }

    /// <summary>
    /// Runs a block's transactions on up to <paramref name="threads"/> threads and commits their changes in one batch.
    /// Returns, for each transaction in block order, exactly what running them one after another in that order returns,
    /// and leaves exactly that state, whatever the thread count: transactions run optimistically in parallel and are
    /// validated and committed in block order, conflicting ones executed again (<see cref="Blocks.OrderedCommitBlock"/>;
    /// Block-STM, <see cref="Blocks.BlockStm"/>, behind <see cref="Blocks.ParallelBlockOptions.OrderedCommit"/>).
    /// </summary>
    public IReadOnlyList<InvocationResult> ExecuteBlock(BlockContext block, IReadOnlyList<BlockTransaction> transactions, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        foreach (var transaction in transactions)
        {
            CheckBudget(transaction.Payload.MaxGas);
        }

        // The block reads committed state throughout, so nothing else commits until it has.
        lock (_commit)
        {
            var parallel = threads > 1 && transactions.Count >= 2 && (!BlockOptions.BackOff || _contention.NextBlockParallel());
            // Helpers wake while the transactions are resolved.
            using var helpers = parallel ? Blocks.HelperCrew.Wake(Math.Min(threads, transactions.Count) - 1) : null;
            var calls = new Blocks.BlockCall[transactions.Count];
            for (var i = 0; i < calls.Length; i++)
            {
                var transaction = transactions[i];
                calls[i] = new Blocks.BlockCall(transaction.Payload, Program(transaction.Payload.Contract),
                    new ChainContext(transaction.TxHash, transaction.Sender, block.Hash, block.Height));
            }

            var outcome = helpers is null ? Blocks.SequentialBlock.Execute(_runner, _state, calls)
                : BlockOptions.OrderedCommit ? Blocks.OrderedCommitBlock.Execute(_runner, _state, calls, helpers, BlockOptions)
                : Blocks.BlockStm.Execute(_runner, _state, calls, helpers, BlockOptions);
            if (parallel)
            {
                _contention.Record(outcome.FellBackToSerial);
            }

            if (outcome.Writes.Count > 0)
            {
                StateAccess.CommitOwned(_state, outcome.Writes);
            }

            LastBlock = outcome;
            return outcome.Results;
        }
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

    /// <summary>Credits an account outside any contract: how a devnet or a test funds the senders of deposits.
    /// Throws <see cref="OverflowException"/> when the balance would pass 2^64 − 1.</summary>
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

    /// <summary>One invocation, serializably. The work is a ref struct, so the input span needs no copy and the hot path
    /// allocates no closure.</summary>
    private InvocationResult InvokeSerialized(VerifiedExecutable? program, Hash32 contract, ReadOnlySpan<byte> input,
        IReadOnlyList<Deposit> deposits, ulong budget, ChainContext chain)
    {
        var work = new InvokeWork(_runner, program, contract, input, deposits, budget, chain);
        return Serialized<InvokeWork, InvocationResult>(ref work);
    }

    /// <summary>
    /// Runs <paramref name="work"/> over a fresh overlay and commits what it wrote, serializably: validate the overlay's
    /// reads under the commit lock and commit, or run again; the last attempt runs under the lock and cannot conflict.
    /// </summary>
    private T Serialized<TWork, T>(ref TWork work) where TWork : IOverlayWork<T>, allows ref struct
    {
        for (var attempt = 1; attempt < OptimisticAttempts; attempt++)
        {
            var overlay = new StateOverlay(_committed);
            var result = work.Run(overlay);
            lock (_commit)
            {
                if (overlay.ReadsStillHold(_state))
                {
                    CommitWrites(overlay);
                    return result;
                }
            }

            overlay.Recycle();
        }

        lock (_commit)
        {
            var overlay = new StateOverlay(_committed);
            var result = work.Run(overlay);
            CommitWrites(overlay);
            return result;
        }
    }

    /// <summary>Something run over an overlay: an invocation, a deploy.</summary>
    private interface IOverlayWork<out T>
    {
        T Run(StateOverlay overlay);
    }

    private readonly ref struct InvokeWork(InvocationRunner runner, VerifiedExecutable? program, Hash32 contract, ReadOnlySpan<byte> input,
        IReadOnlyList<Deposit> deposits, ulong budget, ChainContext chain) : IOverlayWork<InvocationResult>
    {
        private readonly ReadOnlySpan<byte> _input = input;

        public InvocationResult Run(StateOverlay overlay) => runner.Run(program, contract, overlay, _input, deposits, budget, chain);
    }

    private readonly struct DelegateWork<T>(Func<StateOverlay, T> body) : IOverlayWork<T>
    {
        public T Run(StateOverlay overlay) => body(overlay);
    }

    /// <summary>Commits an overlay's writes (the arrays are the overlay's own, handed over) and recycles its tables.</summary>
    private void CommitWrites(StateOverlay overlay)
    {
        if (overlay.WriteCount > 0)
        {
            StateAccess.CommitOwned(_state, overlay.WriteBatch);
        }

        overlay.Recycle();
    }

    private static void CheckBudget(ulong budget)
    {
        if (budget is 0 or > MaxBudget)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, $"a budget is 1 to {MaxBudget} compute units");
        }
    }

    /// <summary>Where <paramref name="pc"/> of a deployed contract is in its source (file, line and function, from the
    /// object's DWARF line table and symbols), or null when the contract is unknown or carries no such information.</summary>
    public Elf.Dwarf.SourceLocation? SourceOf(Hash32 contract, long pc) => Program(contract)?.Executable.SourceMap.Find(pc);

    /// <summary>The verified program of a deployed contract (its instructions, symbols and source map), or null.</summary>
    public Programs.VerifiedExecutable? ProgramOf(Hash32 contract) => Program(contract);

    /// <summary>The verified program of a deployed contract, or null. Code is immutable once stored, so it is read
    /// outside any overlay and cached.</summary>
    private VerifiedExecutable? Program(Hash32 contract)
    {
        if (_programs.TryGetValue(contract, out var program))
        {
            return program;
        }

        if (_state.Get(StateKeys.Code(contract)) is not { } record)
        {
            return null;
        }

        var code = PayloadSerializer.ReadDeploy(record);
        return _programs.GetOrAdd(contract, _ => Load(code.Elf, code.EntryPoint));
    }

    private VerifiedExecutable Load(byte[] elf, string? entryPoint)
    {
        var program = Vm.Load(ElfLoader.Load(elf, Profile.Tbpf, _syscalls, entryPoint ?? ElfLoader.DefaultEntrypoint));
        _engine.Prepare(program);
        return program;
    }
}
