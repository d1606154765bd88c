using System.CommandLine;
using Tos.Tbpf.Host;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary><c>tbpf credit ACCOUNT ASSET AMOUNT</c>: funds an account outside any contract (the devnet's faucet).</summary>
internal static class CreditCommand
{
    public static Command Create()
    {
        var account = new Argument<string>("ACCOUNT") { Description = "The account (64 hex digits)." };
        var asset = new Argument<string>("ASSET") { Description = "The asset (64 hex digits)." };
        var amount = new Argument<string>("AMOUNT") { Description = "The amount to add (a whole number)." };
        var state = StateFolder.Option();
        var lockTimeout = StateFolder.LockTimeout();
        var command = new Command("credit", "Add an amount of an asset to an account's balance.") { account, asset, amount, state, lockTimeout };
        command.SetAction(parse => DevnetAction.Run(false, () =>
        {
            var who = DevnetOptions.ParseHash(parse.GetValue(account)!, "ACCOUNT");
            var what = DevnetOptions.ParseHash(parse.GetValue(asset)!, "ASSET");
            var howMuch = DevnetOptions.ParseAmount(parse.GetValue(amount)!, "AMOUNT");
            using var store = StateFolder.Open(parse.GetValue(state), parse.GetValue(lockTimeout), quiet: false);
            var host = new ContractHost(store);
            try
            {
                host.Credit(who, what, howMuch);
            }
            catch (OverflowException)
            {
                throw new CliFailure("UsageError", $"the balance would pass {ulong.MaxValue}");
            }

            var balance = host.Balances(who).FirstOrDefault(b => b.Asset == what).Amount;
            Console.WriteLine($"balance {who} {what} = {balance}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
