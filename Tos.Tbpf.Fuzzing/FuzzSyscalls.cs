using Tos.Tbpf.Host;
using Tos.Tbpf.Syscalls;

namespace Tos.Tbpf.Fuzzing;

/// <summary>What programs outside a contract host may call, per profile: the TOS syscalls, or the conformance suite's
/// helper. The CLI, the table tests and the fuzzer share this one choice, so a finding written as a <c>.data</c> test
/// runs as it is.</summary>
public static class FuzzSyscalls
{
    /// <summary>The conformance helper the RFC 9669 profile registers (returns r1).</summary>
    public const uint Helper = 5;

    /// <summary>The registry for <paramref name="profile"/>: the TOS syscalls, helper 5, or for the sbpf profiles the
    /// Solana syscalls.</summary>
    public static SyscallRegistry For(Profile profile) =>
        profile.Calls == CallEncoding.HelperNumber ? new SyscallRegistry().RegisterHelper(Helper, "helper_5", (_, r1, _, _, _, _) => r1)
        : profile.IsSbpf ? SolanaSyscalls.Registry()
        : TosSyscalls.Registry();

    /// <summary>The Solana syscalls generated programs call under the sbpf profiles, with how many pointer arguments each
    /// takes first (a fourth for sol_memcmp_'s result, a third for sol_get_return_data's program id, are added by the
    /// generator).</summary>
    public static readonly (string Name, int Pointers)[] Solana =
    [
        ("sol_log_", 1), ("sol_log_64_", 0), ("sol_log_compute_units_", 0), ("sol_log_pubkey", 1), ("sol_memcpy_", 2),
        ("sol_memmove_", 2), ("sol_memset_", 1), ("sol_memcmp_", 2), ("sol_alloc_free_", 0), ("sol_set_return_data", 1),
        ("sol_get_return_data", 1), ("sol_panic_", 1), ("abort", 0),
    ];

    /// <summary>The TOS syscalls generated programs call, with how many pointer arguments each takes first.</summary>
    public static readonly (string Name, int Pointers)[] Tos =
    [
        ("tos_log", 1), ("tos_get_contract_hash", 1), ("tos_get_tx_hash", 1), ("tos_get_tx_source", 1), ("tos_get_block_hash", 1),
        ("tos_get_block_height", 0), ("tos_get_balance", 2), ("tos_transfer", 2), ("tos_burn", 1), ("tos_storage_load", 1),
        ("tos_storage_store", 1), ("tos_storage_delete", 1), ("tos_asset_create", 1), ("tos_asset_mint", 1), ("tos_fire_event", 1),
    ];
}
