using System.CommandLine;
using Tos.Tbpf.Host;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary><c>tbpf deploy FILE</c>: verify, compile and store a contract (running its constructor, if given); print its id.</summary>
internal static class DeployCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The contract's ELF object." };
        var entry = new Option<string?>("--entry") { Description = "The function invocations start at (default: entrypoint)." };
        var constructorHex = new Option<string?>("--constructor-input-hex")
        {
            Description = "Run the contract once at deploy with this input; it is kept only if it exits with 0.",
        };
        var sender = DevnetOptions.Sender();
        var deposits = DevnetOptions.Deposits();
        var budget = DevnetOptions.Budget($"The constructor's compute units (1 to {ContractHost.MaxBudget}).");
        var state = StateFolder.Option();
        var lockTimeout = StateFolder.LockTimeout();
        var command = new Command("deploy", "Verify, compile and store a contract; print its id (64 hex digits).")
        {
            file, entry, constructorHex, sender, deposits, budget, state, lockTimeout,
        };
        command.SetAction(parse => DevnetAction.Run(false, () =>
        {
            var path = parse.GetValue(file)!.FullName;
            byte[] elf;
            try
            {
                elf = File.ReadAllBytes(path);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new CliFailure("UsageError", $"cannot read '{path}': {exception.Message}");
            }

            if (elf.Length > PayloadLimits.MaxElfLength)
            {
                throw new CliFailure("ElfError", $"TooLarge: the contract is {elf.Length} bytes; the limit is {PayloadLimits.MaxElfLength}");
            }

            ContractConstructor? constructor = null;
            if (parse.GetValue(constructorHex) is { } hex)
            {
                var input = Hex.TryParse(hex) ?? throw new CliFailure("UsageError", "--constructor-input-hex: expected hex bytes");
                constructor = new ContractConstructor(input, DevnetOptions.ParseDeposits(parse.GetValue(deposits)),
                    DevnetOptions.ParseBudget(parse.GetValue(budget)));
            }
            else if (parse.GetValue(deposits) is { Length: > 0 })
            {
                throw new CliFailure("UsageError", "--deposit needs a constructor (--constructor-input-hex) to receive it");
            }

            var chain = new ChainContext(Hash32.Zero, DevnetOptions.ParseSender(parse.GetValue(sender)), Hash32.Zero, 0);
            using var store = StateFolder.Open(parse.GetValue(state), parse.GetValue(lockTimeout), quiet: false);
            var result = new ContractHost(store).Deploy(new DeployContractPayload(elf, parse.GetValue(entry), constructor), chain);
            if (result.Constructor is { } run)
            {
                InvocationJson.Print(run, "constructor");
            }

            if (!result.Deployed && result.Constructor is { Committed: false })
            {
                Console.Error.WriteLine("not deployed: the constructor did not exit with 0");
                return ExitCodes.RuntimeError;
            }

            Console.WriteLine(result.Contract);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
