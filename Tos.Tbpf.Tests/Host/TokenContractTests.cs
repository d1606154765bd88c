using System.Buffers.Binary;
using System.Text;
using NUnit.Framework;
using Tos.Tbpf.Host;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Elf;

namespace Tos.Tbpf.Tests.Host;

/// <summary>
/// The sample token through the contract host, in every clang build variant and on every engine: it acts only for the
/// transaction's sender (the chain says who that is, the input cannot), only its initialiser mints, and deposits of the
/// backing asset become usable by the contract in the same invocation (wrap) and can be paid back (unwrap).
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class TokenContractTests
{
    private static readonly Hash32 Gold = Hash32.Of("gold"u8), Admin = Hash32.Of("admin"u8), Alice = Hash32.Of("alice"u8),
        Bob = Hash32.Of("bob"u8), Carol = Hash32.Of("carol"u8), Mallory = Hash32.Of("mallory"u8);

    public static IEnumerable<string> Variants => Contracts.Variants;

    [TestCaseSource(nameof(Variants))]
    public void The_token_acts_only_for_its_sender_on_every_engine(string variant)
    {
        var transcripts = ContractHostTests.EngineKinds.Select(engine => Scenario(variant, engine)).ToList();
        Assert.That(transcripts.Distinct().Count(), Is.EqualTo(1), "every engine gives the same results and state");
    }

    private static string Scenario(string variant, EngineKind engine)
    {
        var host = new ContractHost(new InMemoryContractState(), engine);
        var token = host.Deploy(Contracts.Bytes(variant, "token"));
        host.Credit(Carol, Gold, 80);
        var transcript = new StringBuilder();
        InvocationResult Call(Hash32 sender, byte[] input, ulong expected, params Deposit[] deposits)
        {
            var result = host.Invoke(token, input, deposits, chain: Token.From(sender));
            Assert.That(result.ExitCode, Is.EqualTo(expected), $"{engine}: op {input[0]} from {sender}: {result.Describe()}");
            Assert.That(result.Committed, Is.EqualTo(expected == Token.Ok));
            transcript.AppendLine(result.Describe());
            return result;
        }

        Call(Admin, Token.Init(Gold), Token.Ok);
        Call(Mallory, Token.Init(Hash32.Zero), Token.NotAllowed);
        Call(Mallory, Token.Mint(Mallory, 5), Token.NotAllowed);
        var minted = Call(Admin, Token.Mint(Alice, 1000), Token.Ok);
        Assert.That(minted.Events.Single().Topic, Is.EqualTo("mint"u8.ToArray()));
        Assert.That(minted.Events.Single().Data, Is.EqualTo(Event(Hash32.Zero, Alice, 1000)));

        var paid = Call(Alice, Token.Transfer(Bob, 300), Token.Ok);
        Assert.That(paid.Events.Single().Data, Is.EqualTo(Event(Alice, Bob, 300)));
        Call(Bob, Token.Transfer(Alice, 301), Token.Insufficient);
        Call(Mallory, Token.Transfer(Mallory, 1), Token.Insufficient);
        Call(Alice, [2, .. Bob.ToBytes()], Token.BadInput);
        Assert.That((Token.BalanceOf(host, token, Alice), Token.BalanceOf(host, token, Bob)), Is.EqualTo((700UL, 300UL)));
        Assert.That(Call(Bob, Token.Balance(Alice), Token.Ok).Logs, Is.EqualTo(new[] { "balance 700" }));

        // Carol deposits 50 gold and wraps it in the same invocation; the deposit moved before the contract ran.
        var wrapped = Call(Carol, Token.Wrap(), Token.Ok, new Deposit(Gold, 50));
        Assert.That(wrapped.Transfers.Single(), Is.EqualTo(new AssetTransfer(Carol, token, Gold, 50)));
        Assert.That(Token.BalanceOf(host, token, Carol), Is.EqualTo(50UL));
        Call(Carol, Token.Wrap(), Token.NothingToWrap);
        var refused = Call(Carol, Token.Transfer(Alice, 10_000), Token.Insufficient, new Deposit(Gold, 30));
        Assert.That((refused.Transfers, refused.Events), Is.EqualTo((Array.Empty<AssetTransfer>(), Array.Empty<ContractEvent>())),
            "a rolled-back invocation moved nothing");
        Assert.That(refused.DepositsRefunded.Single(), Is.EqualTo(new Deposit(Gold, 30)));
        Assert.That(host.Balances(Carol).Single().Amount, Is.EqualTo(30UL), "the refused deposit stayed with carol");

        var unwrapped = Call(Carol, Token.Unwrap(20), Token.Ok);
        Assert.That(unwrapped.Transfers.Single(), Is.EqualTo(new AssetTransfer(token, Carol, Gold, 20)));
        Assert.That(host.Balances(Carol).Single().Amount, Is.EqualTo(50UL));
        Assert.That(host.Balances(token).Single().Amount, Is.EqualTo(30UL));
        Call(Carol, Token.Unwrap(31), Token.Insufficient);
        transcript.AppendLine(host.StateDigest().Hex);
        return transcript.ToString();
    }

    private static byte[] Event(Hash32 from, Hash32 to, ulong amount)
    {
        var data = new byte[72];
        from.CopyTo(data);
        to.CopyTo(data.AsSpan(32));
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(64), amount);
        return data;
    }
}
