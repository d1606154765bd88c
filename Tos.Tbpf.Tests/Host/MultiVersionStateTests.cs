using NUnit.Framework;
using Tos.Tbpf.Host.Blocks;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Tests.Host;

/// <summary>
/// The block's multi-version table on its own: reads see the highest lower writer, estimates and removals, and keys
/// added from several threads at once into a table far smaller than the key count (every bucket a long chain), with the
/// final state checked key by key.
/// </summary>
public sealed class MultiVersionStateTests
{
    private static byte[] Key(int i) => [.. "storage-key-"u8, (byte)i, (byte)(i >> 8), (byte)(i >> 16)];

    [Test]
    public void A_read_sees_the_highest_lower_writer_then_committed_state()
    {
        var storage = new InMemoryContractState();
        storage.Commit([new(Key(1), [9])]);
        var state = new MultiVersionState(storage, 4);
        state.Write(Key(1), 2, 0, [20]);
        state.Write(Key(1), 5, 1, [50]);

        Assert.Multiple(() =>
        {
            Assert.That(state.Read(Key(1), 1).Value, Is.EqualTo(new byte[] { 9 }), "no lower writer: committed state");
            Assert.That(state.Read(Key(1), 1).Version, Is.EqualTo(MultiVersionState.StorageVersion));
            Assert.That(state.Read(Key(1), 3).Value, Is.EqualTo(new byte[] { 20 }));
            Assert.That(state.Read(Key(1), 3).Version, Is.EqualTo(MultiVersionState.Version(2, 0)));
            Assert.That(state.Read(Key(1), 9).Value, Is.EqualTo(new byte[] { 50 }));
            Assert.That(state.ReadVersion(Key(1), 9).Version, Is.EqualTo(MultiVersionState.Version(5, 1)));
            Assert.That(state.Read(Key(2), 9).Value, Is.Null, "a key nobody wrote or stored");
        });

        state.MarkEstimate(Key(1), 5);
        Assert.That(state.Read(Key(1), 9).BlockingTransaction, Is.EqualTo(5), "an estimate makes the reader wait for its writer");
        state.Remove(Key(1), 5);
        Assert.That(state.Read(Key(1), 9).Value, Is.EqualTo(new byte[] { 20 }), "a removed write uncovers the one below");
        Assert.That(state.FinalWrites().Single().Value, Is.EqualTo(new byte[] { 20 }));
    }

    [Test]
    public void Keys_added_from_many_threads_into_long_chains_are_all_kept_once()
    {
        // 16 buckets for 4 000 keys: every add races others on the same chains. Each thread writes every key, with
        // its own transaction index, so each key ends with one entry per thread.
        const int keys = 4000, threads = 4;
        var state = new MultiVersionState(new InMemoryContractState(), 1);
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < keys; i++)
            {
                var k = (i * 7 + t * 1013) % keys;
                state.Write(Key(k), t, 0, [(byte)t, (byte)k]);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        var final = state.FinalWrites();
        Assert.That(final, Has.Count.EqualTo(keys), "each key once");
        Assert.That(final.Select(w => Convert.ToHexString(w.Key)).Distinct().Count(), Is.EqualTo(keys));
        foreach (var (key, value) in final)
        {
            var k = key[^3] | key[^2] << 8 | key[^1] << 16;
            Assert.That(value, Is.EqualTo(new byte[] { threads - 1, (byte)k }), "the highest writer's value is last");
            for (var t = 1; t < threads; t++)
            {
                Assert.That(state.Read(key, t).Value, Is.EqualTo(new byte[] { (byte)(t - 1), (byte)k }), "every writer's entry is kept");
            }
        }
    }

    [Test]
    public void The_key_hash_follows_content_and_length_and_spreads_one_byte_changes()
    {
        var equality = ByteKeyEquality.Instance;
        var key = Key(7);
        Assert.That(equality.GetHashCode(key.ToArray()), Is.EqualTo(equality.GetHashCode(key)), "same content, same hash");
        Assert.That(equality.GetHashCode((ReadOnlySpan<byte>)key), Is.EqualTo(equality.GetHashCode(key)), "span and array agree");

        // Trailing zeros, every length from 0 to 40: all distinct.
        var byLength = Enumerable.Range(0, 41).Select(n => equality.GetHashCode(new byte[n])).ToList();
        Assert.That(byLength.Distinct().Count(), Is.EqualTo(byLength.Count));

        // 66-byte keys (a storage key's length) that differ in one byte, at every position and value: their low 12 bits
        // (a 4 096-bucket table) must spread like random ones. 66 × 255 keys over 4 096 buckets: a fair hash fills the
        // fullest bucket with about 15; a hash that ignored some positions would pile hundreds into one.
        var buckets = new int[4096];
        var count = 0;
        for (var position = 0; position < 66; position++)
        {
            for (var value = 1; value < 256; value++)
            {
                var changed = new byte[66];
                changed[position] = (byte)value;
                buckets[equality.GetHashCode(changed) & 4095]++;
                count++;
            }
        }

        Assert.That(buckets.Max(), Is.LessThan(40), $"{count} keys, fullest bucket");
    }
}
