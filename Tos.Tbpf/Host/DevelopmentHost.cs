using System.Text;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Host;

/// <summary>
/// A minimal host for running contracts outside the chain (CLI, tests, samples): logging and a key-value
/// storage that lives for as long as this object. The full TOS syscall set and the contract host with its
/// committed state come with the node integration; these few keep the same names and calling conventions.
/// </summary>
public sealed class DevelopmentHost
{
    /// <summary>Longest storage key and value, as <c>tos.h</c> documents.</summary>
    public const int MaxKeyLength = 64, MaxValueLength = 1024;

    /// <summary>Not found, for <c>tos_storage_load</c>.</summary>
    public const ulong NotFound = ulong.MaxValue;

    /// <summary>Compute units: each syscall's base cost, plus one unit per byte it reads or writes.</summary>
    public const ulong LogCost = 100, LoadCost = 100, StoreCost = 200, DeleteCost = 100;

    /// <summary>Messages logged by the contract, in order.</summary>
    public List<byte[]> Logs { get; } = [];

    /// <summary>The storage, keyed by the key's bytes in hex.</summary>
    public SortedDictionary<string, byte[]> Storage { get; } = new(StringComparer.Ordinal);

    /// <summary>The logs as text (invalid UTF-8 replaced).</summary>
    public IEnumerable<string> LogLines => Logs.Select(l => Encoding.UTF8.GetString(l));

    /// <summary>The syscalls of this host, by name hash; the engines pass the host through <see cref="SyscallContext.HostState"/>.</summary>
    public static SyscallRegistry Syscalls() => new SyscallRegistry()
        .Register("tos_log", (context, message, length, _, _, _) =>
        {
            context.Charge(LogCost + length);
            Of(context).Logs.Add(context.Read(message, length).ToArray());
            return 0;
        })
        .Register("tos_storage_load", (context, key, keyLength, value, capacity, _) =>
        {
            CheckKey(keyLength);
            context.Charge(LoadCost + keyLength + Math.Min(capacity, MaxValueLength));
            if (!Of(context).Storage.TryGetValue(Convert.ToHexString(context.Read(key, keyLength)), out var stored))
            {
                return NotFound;
            }

            var copied = (ulong)Math.Min((ulong)stored.Length, capacity);
            stored.AsSpan(0, (int)copied).CopyTo(context.Write(value, copied));
            return (ulong)stored.Length;
        })
        .Register("tos_storage_store", (context, key, keyLength, value, valueLength, _) =>
        {
            CheckKey(keyLength);
            if (valueLength > MaxValueLength)
            {
                throw new ArgumentException($"value of {valueLength} bytes; the limit is {MaxValueLength}");
            }

            context.Charge(StoreCost + keyLength + valueLength);
            Of(context).Storage[Convert.ToHexString(context.Read(key, keyLength))] = context.Read(value, valueLength).ToArray();
            return 0;
        })
        .Register("tos_storage_delete", (context, key, keyLength, _, _, _) =>
        {
            CheckKey(keyLength);
            context.Charge(DeleteCost + keyLength);
            return Of(context).Storage.Remove(Convert.ToHexString(context.Read(key, keyLength))) ? 0UL : 1UL;
        });

    private static DevelopmentHost Of(SyscallContext context) =>
        context.HostState as DevelopmentHost ?? throw new InvalidOperationException("this syscall needs a DevelopmentHost as the invocation's host state");

    private static void CheckKey(ulong length)
    {
        if (length is 0 or > MaxKeyLength)
        {
            throw new ArgumentException($"key of {length} bytes; keys are 1 to {MaxKeyLength} bytes");
        }
    }
}
