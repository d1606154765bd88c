using System.Security.Cryptography;
using NUnit.Framework;
using Tos.Tbpf.State;
using Tos.Tbpf.Tests.Support;

namespace Tos.Tbpf.Tests.Host;

/// <summary>The state digest depends on the contents only: the same entries give the same digest whatever the history
/// and whichever store holds them, and any change of a key or value changes it.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class StateDigestTests
{
    private static KeyValuePair<byte[], byte[]?> Put(string key, string? value) =>
        new(System.Text.Encoding.UTF8.GetBytes(key), value is null ? null : System.Text.Encoding.UTF8.GetBytes(value));

    [Test]
    public void The_digest_of_a_small_state_is_the_documented_sha256()
    {
        var state = new InMemoryContractState();
        state.Commit([Put("b", "22"), Put("a", "1")]);
        // "tbpf-state-v1", then each entry in key order: u32 LE key length, key, u32 LE value length, value.
        byte[] expected =
        [
            .. "tbpf-state-v1"u8,
            1, 0, 0, 0, (byte)'a', 1, 0, 0, 0, (byte)'1',
            1, 0, 0, 0, (byte)'b', 2, 0, 0, 0, (byte)'2', (byte)'2',
        ];
        Assert.That(state.Digest().ToBytes(), Is.EqualTo(SHA256.HashData(expected)));
        Assert.That(new InMemoryContractState().Digest().ToBytes(), Is.EqualTo(SHA256.HashData("tbpf-state-v1"u8)));
    }

    [Test]
    public void The_same_contents_reached_by_different_histories_have_one_digest_in_every_store()
    {
        using var folder1 = new TempFolder();
        using var folder2 = new TempFolder();
        using var rocksA = new RocksDbContractState(folder1.Path);
        using var rocksB = new RocksDbContractState(folder2.Path);
        var memoryA = new InMemoryContractState();
        var memoryB = new InMemoryContractState();
        foreach (var state in new IContractState[] { memoryA, rocksA })
        {
            state.Commit([Put("x", "1"), Put("y", "2"), Put("z", "3")]);
            state.Commit([Put("y", null)]);
        }

        foreach (var state in new IContractState[] { memoryB, rocksB })
        {
            state.Commit([Put("z", "0")]);
            state.Commit([Put("z", "3"), Put("w", "gone")]);
            state.Commit([Put("w", null), Put("x", "1")]);
        }

        var digests = new[] { memoryA.Digest(), memoryB.Digest(), rocksA.Digest(), rocksB.Digest() };
        Assert.That(digests.Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public void Any_change_changes_the_digest()
    {
        var baseline = new[] { Put("ab", "c") };
        var variants = new[]
        {
            new[] { Put("a", "bc") },          // the boundary between key and value moved
            new[] { Put("ab", "C") },
            new[] { Put("ab", "c"), Put("d", "") },
            new[] { Put("ab", "") },
            Array.Empty<KeyValuePair<byte[], byte[]?>>(),
        };
        var digest = Digest(baseline);
        foreach (var variant in variants)
        {
            Assert.That(Digest(variant), Is.Not.EqualTo(digest));
        }
    }

    private static Hash32 Digest(KeyValuePair<byte[], byte[]?>[] entries)
    {
        var state = new InMemoryContractState();
        state.Commit(entries);
        return state.Digest();
    }
}
