using Tos.Tbpf.Elf;
using Tos.Tbpf.Payloads;
using Tos.Tbpf.Verification;

namespace Tos.Tbpf.Cli.Commands.Devnet;

/// <summary>Runs a devnet command's body and turns every failure it can meet into our own kind and message (JSON when
/// asked), with exit code 2: usage, load, verification, payload and state errors.</summary>
internal static class DevnetAction
{
    public static int Run(bool json, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliFailure failure)
        {
            return Fail(json, failure.Kind, failure.Message);
        }
        catch (ElfException exception)
        {
            return Fail(json, "ElfError", $"{exception.Kind}: {exception.Message}");
        }
        catch (VerifierException exception)
        {
            return Fail(json, "VerifierError", $"{exception.Kind}: {exception.Message}");
        }
        catch (PayloadException exception)
        {
            return Fail(json, "PayloadError", exception.Message);
        }
        catch (EngineUnavailableException exception)
        {
            return Fail(json, "UsageError", exception.Message);
        }
    }

    private static int Fail(bool json, string kind, string message)
    {
        if (json)
        {
            Console.WriteLine(JsonLine.Write(w =>
            {
                w.WriteString("error", kind);
                w.WriteString("message", message);
            }));
        }
        else
        {
            Console.Error.WriteLine($"{kind}: {message}");
        }

        return ExitCodes.Usage;
    }
}
