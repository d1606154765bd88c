using System.Buffers;

namespace Tos.Tbpf.Jit.Compiler.Emission;

/// <summary>A growable list whose storage is rented from <see cref="ArrayPool{T}"/> and returned on dispose: a large
/// compilation's labels, fixups and slow paths then cost no garbage once the pool is warm.</summary>
internal sealed class PooledList<T>(int initialCapacity = 64) : IDisposable
{
    private T[] _items = ArrayPool<T>.Shared.Rent(initialCapacity);

    public int Count { get; private set; }

    public ref T this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return ref _items[index];
        }
    }

    public void Add(T item)
    {
        if (Count == _items.Length)
        {
            var larger = ArrayPool<T>.Shared.Rent(_items.Length * 2);
            _items.AsSpan(0, Count).CopyTo(larger);
            ArrayPool<T>.Shared.Return(_items);
            _items = larger;
        }

        _items[Count++] = item;
    }

    /// <summary>Appends <paramref name="count"/> copies of <paramref name="item"/> at once.</summary>
    public void AddRepeated(T item, int count)
    {
        if (Count + count > _items.Length)
        {
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(_items.Length * 2, Count + count));
            _items.AsSpan(0, Count).CopyTo(larger);
            ArrayPool<T>.Shared.Return(_items);
            _items = larger;
        }

        _items.AsSpan(Count, count).Fill(item);
        Count += count;
    }

    /// <summary>The items, valid until the next change.</summary>
    public ReadOnlySpan<T> AsSpan() => _items.AsSpan(0, Count);

    /// <summary>Forgets the items, keeping the storage.</summary>
    public void Clear() => Count = 0;

    public void Dispose()
    {
        ArrayPool<T>.Shared.Return(_items);
        _items = [];
        Count = 0;
    }
}
