using NUnit.Framework;
using Tos.Tbpf.Jit.Compiler;

namespace Tos.Tbpf.Tests;

/// <summary>
/// For the whole test run, every JIT compilation also encodes each x86 instruction afresh with Iced and fails on any
/// byte that differs from the cached, patched form, and emits each instruction it copies from a whole-instruction
/// template afresh too: every test that compiles is then a test of the form cache and of the templates.
/// </summary>
[SetUpFixture]
public sealed class EncodingCrossCheck
{
    [OneTimeSetUp]
    public void Enable() => X64Compiler.CrossCheckEncodings = true;

    [OneTimeTearDown]
    public void Disable() => X64Compiler.CrossCheckEncodings = false;
}
