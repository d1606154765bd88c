using System.Text.Json;
using Tos.Tbpf.Host;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary>How invocation results and their effects are written as JSON: byte strings as hex, hashes as 64 hex digits.</summary>
internal static class InvocationJson
{
    /// <summary>The fields of one invocation: exit code (null after a VM error or when it did not start), units, refund,
    /// gas split, error (a VM error kind or a failure kind) with its message, and the effects.</summary>
    public static void Write(Utf8JsonWriter w, InvocationResult result, Elf.Dwarf.SourceLocation? source = null)
    {
        if (result.ExitCode is { } code)
        {
            w.WriteNumber("exitCode", code);
        }
        else
        {
            w.WriteNull("exitCode");
        }

        w.WriteNumber("cu", result.ComputeUnits);
        w.WriteBoolean("committed", result.Committed);
        w.WriteNumber("refund", result.Refund);
        w.WriteNumber("gasBurned", result.Gas.Burned);
        w.WriteNumber("gasPaid", result.Gas.Paid);
        if (result.Error is { } error)
        {
            w.WriteString("error", error.Kind.ToString());
            w.WriteNumber("pc", error.Pc);
            SourceJson.Write(w, source);
            w.WriteString("message", error.Message);
        }
        else if (result.FailureKind != InvocationFailure.None)
        {
            w.WriteString("error", result.FailureKind.ToString());
            w.WriteString("message", result.Failure);
        }
        else
        {
            w.WriteNull("error");
        }

        WriteEffects(w, result.Logs, result.Events, result.Transfers);
        w.WriteStartArray("depositsRefunded");
        foreach (var deposit in result.DepositsRefunded)
        {
            w.WriteStartObject();
            w.WriteString("asset", deposit.Asset.Hex);
            w.WriteNumber("amount", deposit.Amount);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>Logs as text, events as hex topic and data, transfers with hashes and amounts.</summary>
    public static void WriteEffects(Utf8JsonWriter w, IEnumerable<string> logs, IEnumerable<ContractEvent> events,
        IEnumerable<AssetTransfer> transfers)
    {
        w.WriteStartArray("logs");
        foreach (var log in logs)
        {
            w.WriteStringValue(log);
        }

        w.WriteEndArray();
        w.WriteStartArray("events");
        foreach (var e in events)
        {
            w.WriteStartObject();
            w.WriteString("topic", Convert.ToHexStringLower(e.Topic));
            w.WriteString("data", Convert.ToHexStringLower(e.Data));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("transfers");
        foreach (var t in transfers)
        {
            w.WriteStartObject();
            w.WriteString("from", t.From.Hex);
            w.WriteString("to", t.To.Hex);
            w.WriteString("asset", t.Asset.Hex);
            w.WriteNumber("amount", t.Amount);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>The text form of a result, for people.</summary>
    public static void Print(InvocationResult result, string engine, Elf.Dwarf.SourceLocation? source = null)
    {
        PrintEffects(result.Logs, result.Events, result.Transfers);

        Console.WriteLine(result.Error is { } error ? $"error: {error.Kind} at pc {error.Pc}{SourceJson.Suffix(source)}: {error.Message}"
            : result.FailureKind != InvocationFailure.None ? $"not run: {result.FailureKind}: {result.Failure}"
            : $"exit code: {result.ExitCode}");
        Console.WriteLine($"compute units: {result.ComputeUnits} (refund {result.Refund}; burned {result.Gas.Burned}, paid {result.Gas.Paid}; {engine}); "
            + (result.Committed ? "committed" : "nothing committed"));
    }

    /// <summary>Logs, events and transfers as text lines.</summary>
    public static void PrintEffects(IEnumerable<string> logs, IEnumerable<ContractEvent> events, IEnumerable<AssetTransfer> transfers)
    {
        foreach (var log in logs)
        {
            Console.WriteLine($"log: {log}");
        }

        foreach (var e in events)
        {
            Console.WriteLine($"event: {Printable(e.Topic)} {Convert.ToHexStringLower(e.Data)}");
        }

        foreach (var t in transfers)
        {
            Console.WriteLine($"transfer: {t.Amount} of {t.Asset} from {t.From} to {t.To}");
        }
    }

    public static string Printable(byte[] bytes) =>
        bytes.Length > 0 && bytes.All(b => b is >= 0x20 and < 0x7f) ? System.Text.Encoding.ASCII.GetString(bytes) : "0x" + Convert.ToHexStringLower(bytes);
}
