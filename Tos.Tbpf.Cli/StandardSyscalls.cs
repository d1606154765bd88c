using Tos.Tbpf.Host;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Cli;

/// <summary>The syscalls and helpers the CLI registers for each profile.</summary>
public static class StandardSyscalls
{
    /// <summary>The conformance suite's helper 5: returns r1 (uBPF's plugin registers the same).</summary>
    public const uint ConformanceHelper = Fuzzing.FuzzSyscalls.Helper;

    /// <summary>The registry for <paramref name="profile"/>: helper 5 under RFC 9669; under TBPF the TOS syscalls
    /// (run over an offline <see cref="Invocation"/>: in-memory state, zero hashes).</summary>
    public static SyscallRegistry For(Profile profile) => Fuzzing.FuzzSyscalls.For(profile);
}
