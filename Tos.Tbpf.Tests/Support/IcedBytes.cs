using Iced.Intel;

namespace Tos.Tbpf.Tests.Support;

/// <summary>x86 code as Iced's own assembler makes it: the independent reference the JIT's copied encodings are checked
/// against.</summary>
public static class IcedBytes
{
    public static byte[] Assemble(Action<Assembler> emit)
    {
        var assembler = new Assembler(64);
        emit(assembler);
        using var stream = new MemoryStream();
        assembler.Assemble(new StreamCodeWriter(stream), 0);
        return stream.ToArray();
    }
}
