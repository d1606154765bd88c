using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>The size of a memory operand; it selects the form where no register operand implies it.</summary>
internal enum OperandSize : byte
{
    Unsized, Byte, Word, Dword, Qword,
}

/// <summary>A memory operand <c>[base + index * scale + displacement]</c> with its size. Iced keeps the size of its own
/// operand type private, and the size is part of what selects an encoding, so the compiler passes this instead.</summary>
internal readonly record struct Mem(OperandSize Size, Register Base, Register Index, int Scale, long Displacement)
{
    /// <summary>The same operand in Iced's terms, for encoding a form.</summary>
    public AssemblerMemoryOperand ToIced()
    {
        var b = new AssemblerRegister64(Base);
        var address = Index == Register.None ? b + Displacement : b + new AssemblerRegister64(Index) * Scale + Displacement;
        return Size switch
        {
            OperandSize.Byte => __byte_ptr[address],
            OperandSize.Word => __word_ptr[address],
            OperandSize.Dword => __dword_ptr[address],
            OperandSize.Qword => __qword_ptr[address],
            _ => __[address],
        };
    }
}

/// <summary>Builds <see cref="Mem"/> operands with Iced's address syntax: <c>qword_ptr[r15 + rdx + 8]</c>.</summary>
internal readonly struct MemoryPointer(OperandSize size)
{
    public Mem this[AssemblerMemoryOperand address] =>
        new(size, address.Base, address.Index, address.Index == Register.None ? 1 : address.Scale, address.Displacement);

    public Mem this[AssemblerRegister64 register] => new(size, register.Value, Register.None, 1, 0);
}
