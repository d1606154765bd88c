using NUnit.Framework;
using Tos.Tbpf.Host;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Elf;

namespace Tos.Tbpf.Tests.Host;

/// <summary>Deploying from a payload: the constructor decides whether the contract is kept; ids; gas settlement.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class DeployTests
{
    private static readonly Hash32 Gold = Hash32.Of("gold"u8), Deployer = Hash32.Of("deployer"u8);

    [TestCaseSource(typeof(ContractHostTests), nameof(ContractHostTests.EngineKinds))]
    public void A_constructor_that_exits_with_zero_deploys_the_contract_with_its_state(EngineKind engine)
    {
        var state = new InMemoryContractState();
        var host = new ContractHost(state, engine);
        host.Credit(Deployer, Gold, 10);
        var payload = new DeployContractPayload(Contracts.Bytes("v3-O2", "token"), null,
            new ContractConstructor(Token.Init(Gold), [new Deposit(Gold, 4)], 100_000));
        var chain = new ChainContext(Hash32.Of("deploy tx"u8), Deployer, Hash32.Zero, 1);

        var deployed = host.Deploy(payload, chain);

        Assert.That((deployed.Deployed, deployed.Contract), Is.EqualTo((true, chain.TxHash)), "the id is the deploy transaction's hash");
        Assert.That(deployed.Constructor!.Committed, Is.True);
        Assert.That(host.Balances(deployed.Contract).Single(), Is.EqualTo((Gold, 4UL)), "the constructor's deposit");
        var mint = host.Invoke(deployed.Contract, Token.Mint(Deployer, 9), chain: Token.From(Deployer));
        Assert.That(mint.Committed, Is.True, "the constructor made the deployer the admin");
        Assert.That(host.Deploy(payload, chain), Is.EqualTo(new DeployResult(chain.TxHash, false, null)), "a second deploy changes nothing");
    }

    [TestCaseSource(typeof(ContractHostTests), nameof(ContractHostTests.EngineKinds))]
    public void A_constructor_that_fails_leaves_no_contract_and_no_state(EngineKind engine)
    {
        var state = new InMemoryContractState();
        var host = new ContractHost(state, engine);
        host.Credit(Deployer, Gold, 10);
        var before = state.Digest();
        var payload = new DeployContractPayload(Contracts.Bytes("v3-O2", "token"), null,
            new ContractConstructor([0, 1, 2], [new Deposit(Gold, 4)], 100_000));

        var result = host.Deploy(payload, new ChainContext(Hash32.Of("tx"u8), Deployer, Hash32.Zero, 1));

        Assert.That(result.Deployed, Is.False);
        Assert.That(result.Constructor!.ExitCode, Is.EqualTo(Token.BadInput));
        Assert.That(result.Constructor.DepositsRefunded.Single(), Is.EqualTo(new Deposit(Gold, 4)));
        Assert.That(host.IsDeployed(result.Contract), Is.False);
        Assert.That(state.Digest(), Is.EqualTo(before), "nothing was stored");
    }

    [Test]
    public void A_deploy_refused_because_its_id_is_taken_leaves_the_stored_code_in_place()
    {
        var state = new InMemoryContractState();
        var chain = new ChainContext(Hash32.Of("one tx"u8), Deployer, Hash32.Zero, 1);
        var counter = new ContractHost(state, EngineKind.Interpreter).Deploy(new DeployContractPayload(Contracts.Bytes("v3-O2", "counter")), chain);

        // A second host over the same state has nothing cached; the same transaction hash now carries another object.
        var host = new ContractHost(state, EngineKind.Interpreter);
        var refused = host.Deploy(new DeployContractPayload(Contracts.Bytes("v3-O2", "hello_world")), chain);

        Assert.That((refused.Deployed, refused.Contract), Is.EqualTo((false, counter.Contract)));
        Assert.That(host.Invoke(counter.Contract, [3]).Logs, Is.EqualTo(new[] { "count = 3" }), "the counter still answers under its id");
    }

    [Test]
    public void Without_a_transaction_the_id_is_the_hash_of_the_object_and_of_a_named_entry_point()
    {
        var host = new ContractHost(new InMemoryContractState(), EngineKind.Interpreter);
        var elf = Contracts.Bytes("v3-O2", "counter");
        Assert.That(host.Deploy(elf), Is.EqualTo(Hash32.Of(elf)));
        var named = host.Deploy(new DeployContractPayload(elf, "entrypoint")).Contract;
        Assert.That(named, Is.EqualTo(Hash32.Of([.. elf, 0, .. "entrypoint"u8])));
        Assert.That(host.Invoke(named, [3]).Logs, Is.EqualTo(new[] { "count = 3" }), "a separate contract with its own storage");
    }

    [Test]
    public void Invoking_an_unknown_contract_by_payload_is_a_result_not_an_exception()
    {
        var host = new ContractHost(new InMemoryContractState(), EngineKind.Interpreter);
        var result = host.Invoke(new InvokeContractPayload(Hash32.Of("nothing"u8), [], [], 1000), Token.From(Deployer));
        Assert.That((result.FailureKind, result.Committed, result.ComputeUnits, result.Refund),
            Is.EqualTo((InvocationFailure.UnknownContract, false, 0UL, 1000UL)));
    }

    [TestCase(0, 1000UL, 0UL, 1000UL)]
    [TestCase(30, 1000UL, 300UL, 700UL)]
    [TestCase(30, 7UL, 2UL, 5UL)]
    [TestCase(100, 7UL, 7UL, 0UL)]
    [TestCase(33, ulong.MaxValue, 6087425544324152032UL, 12359318529385399583UL)]
    public void Gas_is_split_into_burned_and_paid(int percent, ulong used, ulong burned, ulong paid)
    {
        Assert.That(new GasPolicy(percent).Settle(used), Is.EqualTo(new GasSettlement(burned, paid)));
    }

    [Test]
    public void Results_carry_the_settlement_of_the_hosts_policy()
    {
        var host = new ContractHost(new InMemoryContractState(), EngineKind.Interpreter, new GasPolicy(50));
        var hello = host.Deploy(Contracts.Bytes("v3-O2", "hello_world"));
        var result = host.Invoke(hello, []);
        Assert.That(result.Gas.Burned + result.Gas.Paid, Is.EqualTo(result.ComputeUnits));
        Assert.That(result.Gas.Burned, Is.EqualTo(result.ComputeUnits / 2));
        Assert.That(GasPolicy.Default.BurnPercent, Is.EqualTo(30));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GasPolicy(101));
    }
}
