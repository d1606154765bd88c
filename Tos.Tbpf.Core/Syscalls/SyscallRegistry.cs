namespace Tos.Tbpf.Syscalls;

/// <summary>A host function a program calls with r1–r5; it returns the new r0.</summary>
public delegate ulong SyscallHandler(SyscallContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5);

/// <summary>A registered syscall or helper.</summary>
/// <param name="Key">What <c>call imm</c> carries: the Murmur3 hash of the name, or a helper number.</param>
/// <param name="Name">The name, for messages and the disassembler.</param>
/// <param name="Handler">The host function.</param>
public sealed record Syscall(uint Key, string Name, SyscallHandler Handler);

/// <summary>The syscalls (by name hash) or helpers (by number) a program may call; the verifier rejects
/// a call to anything not registered here.</summary>
public sealed class SyscallRegistry
{
    private readonly Dictionary<uint, Syscall> _byKey = [];

    /// <summary>An empty registry.</summary>
    public static SyscallRegistry Empty => new();

    /// <summary>All registrations.</summary>
    public IEnumerable<Syscall> All => _byKey.Values;

    /// <summary>Registers a syscall under the Murmur3-32 hash of its name (the <see cref="CallEncoding.SyscallHash"/> key).</summary>
    public SyscallRegistry Register(string name, SyscallHandler handler) => Add(Murmur3.HashName(name), name, handler);

    /// <summary>Registers a helper under its number (the <see cref="CallEncoding.HelperNumber"/> key).</summary>
    public SyscallRegistry RegisterHelper(uint number, string name, SyscallHandler handler) => Add(number, name, handler);

    /// <summary>Finds the syscall for a call's key.</summary>
    public bool TryGet(uint key, out Syscall syscall) => _byKey.TryGetValue(key, out syscall!);

    private SyscallRegistry Add(uint key, string name, SyscallHandler handler)
    {
        if (_byKey.TryGetValue(key, out var existing))
        {
            throw new ArgumentException($"'{name}' and '{existing.Name}' share the key 0x{key:x8}", nameof(name));
        }

        _byKey[key] = new Syscall(key, name, handler);
        return this;
    }
}
