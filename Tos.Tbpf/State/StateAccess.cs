namespace Tos.Tbpf.State;

/// <summary>
/// How the host reads and commits without defensive copies when the store allows it. A store's public
/// <see cref="IContractState.Get"/> and <see cref="IContractState.Commit"/> copy, since callers may keep or change the
/// arrays; the host never changes a value it reads, and commits arrays nothing else holds, so a store that implements
/// <see cref="ISharedArrayState"/> can skip both copies.
/// </summary>
internal static class StateAccess
{
    public static byte[]? GetShared(IContractState state, ReadOnlySpan<byte> key) =>
        state is ISharedArrayState shared ? shared.GetShared(key) : state.Get(key);

    public static void CommitOwned(IContractState state, IReadOnlyList<KeyValuePair<byte[], byte[]?>> changes)
    {
        if (state is ISharedArrayState shared)
        {
            shared.CommitOwned(changes);
        }
        else
        {
            state.Commit(changes);
        }
    }
}

/// <summary>A store whose arrays the host may share: read without a copy (never changed), commit without a copy
/// (handed over, never touched again by the caller).</summary>
internal interface ISharedArrayState
{
    byte[]? GetShared(ReadOnlySpan<byte> key);

    void CommitOwned(IReadOnlyList<KeyValuePair<byte[], byte[]?>> changes);
}
