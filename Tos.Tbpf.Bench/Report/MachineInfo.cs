using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Tos.Tbpf.Bench.Report;

/// <summary>Where and when the figures were measured: a figure without its machine and commit cannot be compared.</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Os, string Runtime, string Commit, string Date, string NativeCompiler)
{
    public static MachineInfo Current(string nativeCompiler) => new(
        CpuModel(), Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
        CurrentCommit(), DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture), nativeCompiler);

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    // The commit, marked "+changes" when the work tree differs from it: such figures belong to no commit.
    private static string CurrentCommit()
    {
        var head = Git("rev-parse --short HEAD");
        if (head is null)
        {
            return "unknown";
        }

        return string.IsNullOrEmpty(Git("status --porcelain --untracked-files=no")) ? head : head + "+changes";
    }

    private static string? Git(string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
