using Iced.Intel;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>The rel32 branches, encoded by Iced once; their displacement is the last four bytes.</summary>
internal enum BranchForm
{
    Je, Jne, Ja, Jae, Jb, Jbe, Jg, Jge, Jl, Jle, Jmp, Call,
}

internal static class BranchForms
{
    private static readonly (ulong Bytes, int Length)[] Encoded = Build();

    /// <summary>The encoding of <paramref name="form"/> with a zero displacement, in the low bytes of a word.</summary>
    public static (ulong Bytes, int Length) Get(BranchForm form) => Encoded[(int)form];

    private static (ulong, int)[] Build()
    {
        Code[] codes =
        [
            Code.Je_rel32_64, Code.Jne_rel32_64, Code.Ja_rel32_64, Code.Jae_rel32_64, Code.Jb_rel32_64, Code.Jbe_rel32_64,
            Code.Jg_rel32_64, Code.Jge_rel32_64, Code.Jl_rel32_64, Code.Jle_rel32_64, Code.Jmp_rel32_64, Code.Call_rel32_64,
        ];
        return codes.Select(code =>
        {
            var writer = new ByteListWriter();
            Encoder.Create(64, writer).Encode(Instruction.CreateBranch(code, 0), 0);
            var bytes = new byte[8];
            writer.Bytes.CopyTo(bytes);
            return (BitConverter.ToUInt64(bytes), writer.Bytes.Count);
        }).ToArray();
    }
}

/// <summary>Collects what Iced encodes, for the forms encoded once per process (branches, branching forms).</summary>
internal sealed class ByteListWriter : CodeWriter
{
    public List<byte> Bytes { get; } = [];

    public override void WriteByte(byte value) => Bytes.Add(value);
}

internal sealed partial class X64Emitter
{
    public void je(CodeLabel target) => Branch(BranchForm.Je, target);
    public void jz(CodeLabel target) => Branch(BranchForm.Je, target);
    public void jne(CodeLabel target) => Branch(BranchForm.Jne, target);
    public void jnz(CodeLabel target) => Branch(BranchForm.Jne, target);
    public void ja(CodeLabel target) => Branch(BranchForm.Ja, target);
    public void jae(CodeLabel target) => Branch(BranchForm.Jae, target);
    public void jb(CodeLabel target) => Branch(BranchForm.Jb, target);
    public void jc(CodeLabel target) => Branch(BranchForm.Jb, target);
    public void jbe(CodeLabel target) => Branch(BranchForm.Jbe, target);
    public void jg(CodeLabel target) => Branch(BranchForm.Jg, target);
    public void jge(CodeLabel target) => Branch(BranchForm.Jge, target);
    public void jl(CodeLabel target) => Branch(BranchForm.Jl, target);
    public void jle(CodeLabel target) => Branch(BranchForm.Jle, target);
    public void jmp(CodeLabel target) => Branch(BranchForm.Jmp, target);
    public void call(CodeLabel target) => Branch(BranchForm.Call, target);
}
