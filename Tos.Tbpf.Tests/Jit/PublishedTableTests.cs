using NUnit.Framework;
using Tos.Tbpf.Jit.Compiler.Emission;

namespace Tos.Tbpf.Tests.Jit;

/// <summary>The process-wide table behind the form cache and the templates, under real parallel load.</summary>
public sealed class PublishedTableTests
{
    private sealed record Entry(ulong Key, int Writer) : IKeyed;

    [Test]
    public void Racing_adds_keep_one_entry_per_key_and_every_reader_finds_it()
    {
        // 64 slots, 48 kept at most: 4 writers race to add the same 40 keys (long probe chains, equal keys at once).
        var table = new PublishedTable<Entry>(64);
        const int keys = 40;
        var kept = new Entry[4, keys];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, writer =>
        {
            for (var k = 0; k < keys; k++)
            {
                var key = (ulong)(k * 64 + 1);
                kept[writer, k] = table.Add(new Entry(key, writer));
                Assert.That(table.Find(key), Is.SameAs(kept[writer, k]), "a reader right after the add");
            }
        });

        for (var k = 0; k < keys; k++)
        {
            var found = table.Find((ulong)(k * 64 + 1));
            Assert.That(found, Is.Not.Null);
            for (var writer = 0; writer < 4; writer++)
            {
                Assert.That(kept[writer, k], Is.SameAs(found), $"key {k}: every writer got back the one entry kept");
            }
        }
    }

    [Test]
    public void A_full_table_hands_entries_back_without_keeping_them()
    {
        var table = new PublishedTable<Entry>(16);
        for (ulong key = 1; key <= 12; key++)
        {
            table.Add(new Entry(key, 0));
        }

        var extra = new Entry(99, 1);
        Assert.That(table.Add(extra), Is.SameAs(extra));
        Assert.That(table.Find(99), Is.Null, "not kept: three quarters full");
        Assert.That(table.Find(12)?.Key, Is.EqualTo(12UL));
    }
}
