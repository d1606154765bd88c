using System.Diagnostics;

namespace Tos.Tbpf.Tests.Support;

/// <summary>Runs the real <c>tbpf</c> command (built beside the tests) in a child process.</summary>
public static class CliRunner
{
    public sealed record Output(int ExitCode, string StdOut, string StdErr);

    public static Output Run(string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tbpf.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin ?? "");
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tbpf {string.Join(' ', arguments)} did not finish");
        }

        return new Output(process.ExitCode, stdout.Result, stderr.Result);
    }
}
