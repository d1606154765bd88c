using SharpFuzz;
using Tos.Tbpf.FuzzTargets;

// tbpf-fuzz-targets TARGET [libfuzzer]: elf, verify or diff; AFL++ (out of process) by default, libFuzzer when asked.
Action<byte[]>? target = args.Length > 0 ? args[0] switch
{
    "elf" => Targets.Elf,
    "verify" => Targets.Verify,
    "diff" => Targets.Differential,
    _ => null,
} : null;

if (target is null)
{
    Console.Error.WriteLine("usage: Tos.Tbpf.FuzzTargets elf|verify|diff [libfuzzer]");
    return 2;
}

if (args.Length > 1 && args[1] == "libfuzzer")
{
    Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
}
else
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target(buffer.ToArray());
    });
}

return 0;
