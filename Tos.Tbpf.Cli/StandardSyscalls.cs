using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Cli;

/// <summary>The syscalls and helpers the CLI registers for each profile.</summary>
public static class StandardSyscalls
{
    /// <summary>The conformance suite's helper 5: returns r1 (uBPF's plugin registers the same).</summary>
    public const uint ConformanceHelper = 5;

    /// <summary>The registry for <paramref name="profile"/>: helper 5 under RFC 9669, nothing yet under TBPF.</summary>
    public static SyscallRegistry For(Profile profile)
    {
        var registry = new SyscallRegistry();
        if (profile.Calls == CallEncoding.HelperNumber)
        {
            registry.RegisterHelper(ConformanceHelper, "helper_5", (_, r1, _, _, _, _) => r1);
        }

        return registry;
    }
}
