using System.Runtime.CompilerServices;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>An entry of a <see cref="PublishedTable{T}"/>: immutable once made, found by its 64-bit key.</summary>
internal interface IKeyed
{
    ulong Key { get; }
}

/// <summary>
/// A process-wide table of immutable entries shared by all compilations: fixed open addressing, read without locks (an
/// entry is published whole by one reference write and never changes), filled under a lock. Its keys come from the
/// instruction set and the compiler's own code, never from an input's values, so it cannot be grown by a program;
/// should it fill anyway, an entry is handed back without being kept, which is slower but still correct.
/// </summary>
internal sealed class PublishedTable<T>(int capacity) where T : class, IKeyed
{
    private readonly T?[] _slots = new T?[capacity];
    private readonly int _mask = capacity - 1;
    private readonly int _maxEntries = capacity / 4 * 3;
    private readonly Lock _gate = new();
    private int _count;

    /// <summary>The entry of <paramref name="key"/>, or null when none has been kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T? Find(ulong key)
    {
        var index = Hash(key) & _mask;
        while (Volatile.Read(ref _slots[index]) is { } entry)
        {
            if (entry.Key == key)
            {
                return entry;
            }

            index = (index + 1) & _mask;
        }

        return null;
    }

    /// <summary>Keeps <paramref name="entry"/> unless one of its key was kept first, and returns the one kept (either is
    /// right: entries of one key are made alike).</summary>
    public T Add(T entry)
    {
        lock (_gate)
        {
            if (_count >= _maxEntries)
            {
                return entry;
            }

            var index = Hash(entry.Key) & _mask;
            while (_slots[index] is { } existing)
            {
                if (existing.Key == entry.Key)
                {
                    return existing;
                }

                index = (index + 1) & _mask;
            }

            Volatile.Write(ref _slots[index], entry);
            _count++;
            return entry;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 40);
}
