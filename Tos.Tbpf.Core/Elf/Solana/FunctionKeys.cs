using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Elf.Solana;

/// <summary>sbpf V0's function registry as a loader fills it: hash key → slot, refusing a key a syscall holds or another
/// slot already has (sbpf's <c>SymbolHashCollision</c>).</summary>
internal sealed class FunctionKeys(SyscallRegistry syscalls)
{
    private readonly Dictionary<uint, long> _keys = [];

    public IReadOnlyDictionary<uint, long> Keys => _keys;

    public void Register(uint key, long pc, string name)
    {
        if (syscalls.TryGet(key, out var syscall))
        {
            throw new ElfException(ElfErrorKind.SymbolHashCollision, $"symbol hash collision 0x{key:x8}: {name} and the syscall {syscall.Name}");
        }

        if (_keys.TryGetValue(key, out var existing) && existing != pc)
        {
            throw new ElfException(ElfErrorKind.SymbolHashCollision, $"symbol hash collision 0x{key:x8}: {name} (slot {pc}) and slot {existing}");
        }

        _keys[key] = pc;
    }

    public void Remove(uint key) => _keys.Remove(key);
}
