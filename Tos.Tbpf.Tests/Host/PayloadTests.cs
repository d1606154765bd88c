using System.Buffers.Binary;
using NUnit.Framework;
using Tos.Tbpf.Host;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Elf;

namespace Tos.Tbpf.Tests.Host;

/// <summary>The node payloads' binary form: exact round trips, a byte layout written out by hand, and a reader that
/// answers every truncated, oversized or garbage input with a <see cref="PayloadException"/> of the right kind.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PayloadTests
{
    private static readonly Hash32 Gold = Hash32.Of("gold"u8), Silver = Hash32.Of("silver"u8), Contract = Hash32.Of("c"u8);

    private static InvokeContractPayload Invoke => new(Contract, [1, 2, 3], [new Deposit(Gold, 5), new Deposit(Silver, ulong.MaxValue)], 90_000);

    private static DeployContractPayload Deploy => new(Contracts.Bytes("v3-O2", "token"), "entrypoint",
        new ContractConstructor([0, .. Gold.ToBytes()], [new Deposit(Gold, 1)], 50_000));

    [Test]
    public void An_invocation_has_the_documented_layout()
    {
        var bytes = PayloadSerializer.Write(new InvokeContractPayload(Contract, [0xaa, 0xbb], [new Deposit(Gold, 0x0102)], 0x0304));
        byte[] expected =
        [
            .. Contract.ToBytes(),
            1, .. Gold.ToBytes(), 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02,
            0, 0, 0, 0, 0, 0, 0x03, 0x04,
            0, 0, 0, 2, 0xaa, 0xbb,
        ];
        Assert.That(bytes, Is.EqualTo(expected));
    }

    [Test]
    public void Payloads_round_trip_exactly()
    {
        var invoke = PayloadSerializer.ReadInvoke(PayloadSerializer.Write(Invoke));
        Assert.That((invoke.Contract, invoke.Input, invoke.Deposits, invoke.MaxGas),
            Is.EqualTo((Invoke.Contract, Invoke.Input, Invoke.Deposits, Invoke.MaxGas)));

        var deploy = PayloadSerializer.ReadDeploy(PayloadSerializer.Write(Deploy));
        Assert.That((deploy.Elf, deploy.EntryPoint), Is.EqualTo((Deploy.Elf, Deploy.EntryPoint)));
        Assert.That((deploy.Constructor!.Input, deploy.Constructor.Deposits, deploy.Constructor.MaxGas),
            Is.EqualTo((Deploy.Constructor!.Input, Deploy.Constructor.Deposits, Deploy.Constructor.MaxGas)));
        Assert.That(PayloadSerializer.Write(deploy), Is.EqualTo(PayloadSerializer.Write(Deploy)), "one encoding per payload");

        var bare = PayloadSerializer.ReadDeploy(PayloadSerializer.Write(new DeployContractPayload(Deploy.Elf)));
        Assert.That((bare.EntryPoint, bare.Constructor), Is.EqualTo(((string?)null, (ContractConstructor?)null)));
    }

    [Test]
    public void Every_truncation_is_reported_as_truncated()
    {
        foreach (var bytes in new[] { PayloadSerializer.Write(Invoke), PayloadSerializer.Write(Deploy) })
        {
            var isInvoke = bytes.Length < 1000;
            for (var length = 0; length < bytes.Length; length++)
            {
                var cut = bytes[..length];
                var error = Assert.Throws<PayloadException>(() => Read(isInvoke, cut))!;
                Assert.That(error.Kind, Is.EqualTo(PayloadErrorKind.Truncated), $"cut at {length}: {error.Message}");
                Assert.That(error.Offset, Is.LessThanOrEqualTo(length));
            }
        }
    }

    [Test]
    public void A_length_above_its_limit_is_refused_before_anything_is_allocated()
    {
        // An ELF claiming 4 GiB − 1 bytes in a 9-byte payload.
        var error = Assert.Throws<PayloadException>(() => PayloadSerializer.ReadDeploy([0xff, 0xff, 0xff, 0xff, 0x7f, 0x45, 0x4c, 0x46, 0]))!;
        Assert.That((error.Kind, error.Offset), Is.EqualTo((PayloadErrorKind.TooLarge, 0)));

        var elf = new byte[PayloadLimits.MaxElfLength + 1];
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)elf.Length);
        Assert.That(Assert.Throws<PayloadException>(() => PayloadSerializer.ReadDeploy([.. length, .. elf, 0, 0]))!.Kind,
            Is.EqualTo(PayloadErrorKind.TooLarge), "one byte over 1 MiB");

        var input = PayloadSerializer.Write(Invoke);
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(input.Length - 7), PayloadLimits.MaxInputLength + 1);
        Assert.That(Assert.Throws<PayloadException>(() => PayloadSerializer.ReadInvoke(input))!.Kind, Is.EqualTo(PayloadErrorKind.TooLarge));
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<PayloadException>(() => PayloadSerializer.ReadDeploy([0x7f, 0xff, 0xff, 0xff, 0x7f, 0x45, 0x4c, 0x46]));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64 * 1024), "no buffer of the claimed size");
    }

    [TestCase("tag", PayloadErrorKind.Invalid)]
    [TestCase("deposit kind", PayloadErrorKind.Invalid)]
    [TestCase("zero deposit", PayloadErrorKind.Invalid)]
    [TestCase("duplicate deposit", PayloadErrorKind.Invalid)]
    [TestCase("zero gas", PayloadErrorKind.Invalid)]
    [TestCase("too much gas", PayloadErrorKind.Invalid)]
    [TestCase("not elf", PayloadErrorKind.Invalid)]
    [TestCase("bad utf8", PayloadErrorKind.Invalid)]
    [TestCase("empty name", PayloadErrorKind.Invalid)]
    [TestCase("trailing", PayloadErrorKind.TrailingBytes)]
    public void Garbage_fields_are_named(string garbage, PayloadErrorKind kind)
    {
        var invoke = PayloadSerializer.Write(Invoke);
        var elf = PayloadSerializer.Write(new DeployContractPayload(Contracts.Bytes("v3-O2", "counter")));
        var elfEnd = elf.Length - 2;
        byte[] bytes;
        var isInvoke = true;
        switch (garbage)
        {
            case "tag": bytes = [.. elf[..elfEnd], 2, 0]; isInvoke = false; break;
            case "deposit kind": bytes = (byte[])invoke.Clone(); bytes[32 + 1 + 32] = 1; break;
            case "zero deposit": bytes = (byte[])invoke.Clone(); bytes.AsSpan(32 + 1 + 33, 8).Clear(); break;
            case "duplicate deposit": bytes = PatchSecondAsset(invoke); break;
            case "zero gas": bytes = (byte[])invoke.Clone(); bytes.AsSpan(32 + 1 + 2 * 41, 8).Clear(); break;
            case "too much gas":
                bytes = (byte[])invoke.Clone();
                BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(32 + 1 + 2 * 41), ContractHost.MaxBudget + 1);
                break;
            case "not elf": bytes = [0, 0, 0, 4, 1, 2, 3, 4, 0, 0]; isInvoke = false; break;
            case "bad utf8": bytes = [.. elf[..elfEnd], 1, 2, 0xc3, 0x28, 0]; isInvoke = false; break;
            case "empty name": bytes = [.. elf[..elfEnd], 1, 0, 0]; isInvoke = false; break;
            default: bytes = [.. invoke, 0]; break;
        }

        Assert.That(Assert.Throws<PayloadException>(() => Read(isInvoke, bytes))!.Kind, Is.EqualTo(kind));
    }

    [Test]
    public void Random_bytes_and_mutations_give_payloads_or_payload_errors_only()
    {
        var random = new Random(9);
        var seeds = new[] { PayloadSerializer.Write(Invoke), PayloadSerializer.Write(Deploy) };
        for (var i = 0; i < 20_000; i++)
        {
            var isInvoke = random.Next(2) == 0;
            var bytes = random.Next(4) == 0 ? RandomBytes(random, random.Next(0, 200)) : Mutate(random, seeds[isInvoke ? 0 : 1]);
            try
            {
                Read(isInvoke, bytes);
            }
            catch (PayloadException)
            {
                // The one error a reader may give.
            }
        }
    }

    [Test]
    public void The_writer_refuses_what_the_reader_would()
    {
        Assert.Throws<ArgumentException>(() => PayloadSerializer.Write(Invoke with { Deposits = [new Deposit(Gold, 1), new Deposit(Gold, 2)] }));
        Assert.Throws<ArgumentException>(() => PayloadSerializer.Write(Invoke with { Input = new byte[PayloadLimits.MaxInputLength + 1] }));
        Assert.Throws<ArgumentException>(() => PayloadSerializer.Write(Deploy with { EntryPoint = new string('x', 256) }));
    }

    private static object Read(bool isInvoke, byte[] bytes) =>
        isInvoke ? PayloadSerializer.ReadInvoke(bytes) : PayloadSerializer.ReadDeploy(bytes);

    private static byte[] PatchSecondAsset(byte[] invoke)
    {
        var bytes = (byte[])invoke.Clone();
        bytes.AsSpan(32 + 1, 32).CopyTo(bytes.AsSpan(32 + 1 + 41, 32));
        return bytes;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = (byte[])seed.Clone();
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            var at = random.Next(bytes.Length);
            bytes[at] = random.Next(3) switch { 0 => 0xff, 1 => 0, _ => (byte)random.Next(256) };
        }

        return random.Next(5) == 0 ? bytes[..random.Next(bytes.Length)] : bytes;
    }
}
