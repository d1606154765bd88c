using NUnit.Framework;
using Tos.Tbpf.Host.Blocks;

namespace Tos.Tbpf.Tests.Host;

/// <summary>Helpers woken before their work exists run it once each when it is assigned, and go back to the pool when
/// their crew is disbanded without work. Not run beside other tests: they would take helpers from the same bounded pool.</summary>
[NonParallelizable]
public sealed class HelperCrewTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public void Every_woken_helper_runs_the_assigned_work_once()
    {
        using var done = new CountdownEvent(3);
        var runs = 0;
        using (var crew = HelperCrew.Wake(3))
        {
            // Assigned after the wake-up, as a block does once its transactions are resolved.
            Thread.Sleep(5);
            crew.Assign(() =>
            {
                Interlocked.Increment(ref runs);
                done.Signal();
            });
            Assert.That(done.Wait(Patience), Is.True, "three helpers ran the work");
        }

        Thread.Sleep(20);
        Assert.That(Volatile.Read(ref runs), Is.EqualTo(3), "no helper ran it twice");
    }

    [Test]
    public void Helpers_of_a_crew_disbanded_without_work_go_back_to_the_pool()
    {
        // The pool holds at most 64 helpers: were a disbanded crew's helpers to keep waiting, a hundred of them would
        // exhaust it and the last crew would get none.
        for (var i = 0; i < 100; i++)
        {
            HelperCrew.Wake(1).Dispose();
            Thread.Sleep(2);
        }

        using var done = new CountdownEvent(2);
        using var crew = HelperCrew.Wake(2);
        crew.Assign(() => done.Signal());
        Assert.That(done.Wait(Patience), Is.True, "a crew woken after a hundred disbanded ones has its two helpers");
    }
}
