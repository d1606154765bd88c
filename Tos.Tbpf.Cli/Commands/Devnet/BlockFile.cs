using System.Globalization;
using System.Text.Json;
using Tos.Tbpf.Host;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.State;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary>
/// A block as JSON: <c>{"height":N,"transactions":[{"sender":"&lt;64 hex&gt;","contract":"&lt;64 hex&gt;","input":"&lt;hex&gt;",
/// "budget":N,"deposits":[{"asset":"&lt;64 hex&gt;","amount":N}]}]}</c> (<c>input</c>, <c>budget</c> and <c>deposits</c>
/// optional). Every malformed field is a <c>UsageError</c> naming where it is. The block's hash is the SHA-256 of the
/// file; a transaction's hash is the SHA-256 of the block hash, its index and its encoded payload and sender.
/// </summary>
internal static class BlockFile
{
    public const int MaxTransactions = 100_000;

    public static (BlockContext Block, List<BlockTransaction> Transactions) Parse(byte[] bytes)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            throw Fail("", $"not JSON: {exception.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail("", "expected an object with height and transactions");
            }

            var height = Number(Required(root, "height", ""), "height");
            var block = new BlockContext(height, Hash32.Of(bytes));
            var list = Required(root, "transactions", "");
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw Fail("transactions", "expected an array");
            }

            if (list.GetArrayLength() > MaxTransactions)
            {
                throw Fail("transactions", $"{list.GetArrayLength()} transactions; the limit is {MaxTransactions}");
            }

            var transactions = new List<BlockTransaction>();
            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                var at = $"transactions[{index}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw Fail(at, "expected an object");
                }

                var sender = HashOf(Required(item, "sender", at), $"{at}.sender");
                var contract = HashOf(Required(item, "contract", at), $"{at}.contract");
                var input = item.TryGetProperty("input", out var hex) ? BytesOf(hex, $"{at}.input") : [];
                var budget = item.TryGetProperty("budget", out var units) ? Number(units, $"{at}.budget") : ContractHost.DefaultBudget;
                if (budget is 0 or > ContractHost.MaxBudget)
                {
                    throw Fail($"{at}.budget", $"must be 1 to {ContractHost.MaxBudget}");
                }

                var deposits = item.TryGetProperty("deposits", out var array) ? DepositsOf(array, $"{at}.deposits") : [];
                if (input.Length > PayloadLimits.MaxInputLength)
                {
                    throw Fail($"{at}.input", $"{input.Length} bytes; the limit is {PayloadLimits.MaxInputLength}");
                }

                var payload = new InvokeContractPayload(contract, input, deposits, budget);
                var txHash = Hash32.Of([.. block.Hash.ToBytes(), .. BitConverter.GetBytes(index), .. sender.ToBytes(), .. PayloadSerializer.Write(payload)]);
                transactions.Add(new BlockTransaction(sender, payload, txHash));
                index++;
            }

            return (block, transactions);
        }
    }

    private static JsonElement Required(JsonElement parent, string name, string at) =>
        parent.TryGetProperty(name, out var value) ? value : throw Fail(at, $"'{name}' is missing");

    private static ulong Number(JsonElement element, string at) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetUInt64(out var value)
            ? value
            : throw Fail(at, "expected a whole number from 0 to 18446744073709551615");

    private static Hash32 HashOf(JsonElement element, string at) =>
        element.ValueKind == JsonValueKind.String && Hash32.TryParse(element.GetString()!, out var hash)
            ? hash
            : throw Fail(at, "expected 64 hex digits");

    private static byte[] BytesOf(JsonElement element, string at) =>
        element.ValueKind == JsonValueKind.String && Hex.TryParse(element.GetString()!) is { } bytes
            ? bytes
            : throw Fail(at, "expected hex bytes");

    private static List<Deposit> DepositsOf(JsonElement element, string at)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Fail(at, "expected an array");
        }

        var deposits = new List<Deposit>();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var where = $"{at}[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Fail(where, "expected an object with asset and amount");
            }

            var deposit = new Deposit(HashOf(Required(item, "asset", where), $"{where}.asset"), Number(Required(item, "amount", where), $"{where}.amount"));
            if (deposit.Amount == 0 || deposits.Exists(d => d.Asset == deposit.Asset) || deposits.Count >= PayloadLimits.MaxDeposits)
            {
                throw Fail(where, $"deposits are non-zero, one per asset, at most {PayloadLimits.MaxDeposits}");
            }

            deposits.Add(deposit);
        }

        return deposits;
    }

    private static CliFailure Fail(string at, string message) =>
        new("UsageError", string.Create(CultureInfo.InvariantCulture, $"block file{(at.Length > 0 ? " at " + at : "")}: {message}"));
}
