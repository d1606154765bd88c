using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Tos.Tbpf.Jit.Compiler;

/// <summary>
/// Where eBPF registers live: r0–r5 in caller-saved x86 registers (they are spilled around syscalls anyway),
/// r6–r10 in callee-saved ones; r15 holds the context, r11 the meter; rax and rdx are scratch (division needs them).
/// </summary>
internal static class RegisterMap
{
    public static readonly AssemblerRegister64[] R64 = [rcx, rdi, rsi, r8, r9, r10, rbx, r12, r13, r14, rbp];
    public static readonly AssemblerRegister32[] R32 = [ecx, edi, esi, r8d, r9d, r10d, ebx, r12d, r13d, r14d, ebp];
    public static readonly AssemblerRegister16[] R16 = [cx, di, si, r8w, r9w, r10w, bx, r12w, r13w, r14w, bp];
    public static readonly AssemblerRegister8[] R8 = [cl, dil, sil, r8b, r9b, r10b, bl, r12b, r13b, r14b, bpl];

    public static readonly AssemblerRegister64 Context = r15;
    public static readonly AssemblerRegister64 Meter = r11;

    /// <summary>The eBPF registers a syscall may clobber through the x86 calling convention: reloaded after it.</summary>
    public static readonly int[] CallerSaved = [0, 1, 2, 3, 4, 5];
}
