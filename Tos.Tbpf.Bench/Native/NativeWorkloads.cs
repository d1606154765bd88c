using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Tos.Tbpf.Bench.Native;

/// <summary>
/// The canonical workloads as native code: <c>Native/workloads.c</c> compiled with <c>gcc -O2</c> when first asked for,
/// loaded into this process and called through function pointers, so native and eBPF times come from one run on one
/// machine and the report can state every engine as a multiple of native time.
/// </summary>
public sealed unsafe class NativeWorkloads
{
    private const int MemSumWords = 64 * 1024 / 8;
    private static readonly Lazy<NativeWorkloads> Shared = new(() => new NativeWorkloads(Build()));
    private readonly delegate* unmanaged<ulong, ulong> _alu64, _collatz, _sieve;
    private readonly delegate* unmanaged<ulong*, ulong, ulong, ulong> _memSum;
    private readonly ulong* _words;

    private NativeWorkloads(string library)
    {
        var handle = NativeLibrary.Load(library);
        _alu64 = (delegate* unmanaged<ulong, ulong>)NativeLibrary.GetExport(handle, "tbpf_alu64_loop");
        _collatz = (delegate* unmanaged<ulong, ulong>)NativeLibrary.GetExport(handle, "tbpf_collatz");
        _sieve = (delegate* unmanaged<ulong, ulong>)NativeLibrary.GetExport(handle, "tbpf_sieve_stack");
        _memSum = (delegate* unmanaged<ulong*, ulong, ulong, ulong>)NativeLibrary.GetExport(handle, "tbpf_mem_sum");
        _words = (ulong*)NativeMemory.AlignedAlloc(MemSumWords * sizeof(ulong), 64);
    }

    /// <summary>The compiled workloads (built once per process); throws when gcc is missing or fails.</summary>
    public static NativeWorkloads Instance => Shared.Value;

    /// <summary>The compiler's version line, for the report.</summary>
    public static string CompilerVersion { get; private set; } = "";

    /// <summary>Runs <paramref name="workload"/> once with the eBPF program's own bounds and returns its r0.</summary>
    public ulong Run(string workload) => workload switch
    {
        "alu64_loop" => _alu64(10_000_000),
        "mem_sum" => _memSum(_words, MemSumWords, 300),
        "collatz" => _collatz(160_000),
        "sieve_stack" => _sieve(10_000),
        _ => throw new ArgumentException($"no native version of '{workload}'", nameof(workload)),
    };

    private static string Build()
    {
        var source = Path.Combine(Repository.Root, "Tos.Tbpf.Bench", "Native", "workloads.c");
        var folder = Path.Combine(Repository.Root, "artifacts", "bench", "native");
        Directory.CreateDirectory(folder);
        var library = Path.Combine(folder, "libtbpf_workloads.so");
        var (exit, output) = RunGcc($"-O2 -shared -fPIC -o \"{library}\" \"{source}\"");
        if (exit != 0)
        {
            throw new InvalidOperationException($"gcc -O2 failed on {source}: {output}");
        }

        CompilerVersion = RunGcc("--version").Output.Split('\n')[0].Trim();
        return library;
    }

    private static (int Exit, string Output) RunGcc(string arguments)
    {
        try
        {
            using var gcc = Process.Start(new ProcessStartInfo("gcc", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = gcc.StandardOutput.ReadToEnd() + gcc.StandardError.ReadToEnd();
            gcc.WaitForExit();
            return (gcc.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("gcc is not installed (the report times the workloads as native code): " + exception.Message, exception);
        }
    }
}
