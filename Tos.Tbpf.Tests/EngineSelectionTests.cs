using NUnit.Framework;

namespace Tos.Tbpf.Tests;

/// <summary>Which engine each kind means, on a host with a JIT and on one without (forced).</summary>
public sealed class EngineSelectionTests
{
    [Test]
    public void Without_a_jit_auto_means_the_interpreter()
    {
        Assert.That(Engines.Select(EngineKind.Auto, jit: null, "the host is Arm64, not x64").Name, Is.EqualTo("interpreter"));
    }

    [Test]
    public void Without_a_jit_asking_for_it_is_an_error_naming_the_reason()
    {
        var error = Assert.Throws<EngineUnavailableException>(() => Engines.Select(EngineKind.Jit, jit: null, "the host is Arm64, not x64"))!;
        Assert.That(error.Message, Does.Contain("jit engine is not available").And.Contain("Arm64"));
    }

    [Test]
    public void With_a_jit_auto_means_the_jit()
    {
        Assume.That(Engines.Jit, Is.Not.Null, "this host cannot run the JIT");
        Assert.That(Engines.Get(EngineKind.Auto).Name, Is.EqualTo("jit"));
        Assert.That(Engines.Get(EngineKind.Jit).Name, Is.EqualTo("jit"));
        Assert.That(Engines.Get(EngineKind.Interpreter).Name, Is.EqualTo("interpreter"));
    }
}
