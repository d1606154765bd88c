using System.Diagnostics;
using NUnit.Framework;

namespace Tos.Tbpf.Tests.Support;

/// <summary>Runs an LLVM 19 tool (llvm-objdump-19, llvm-dwarfdump-19) and returns its output: an independent reading of
/// the objects our loader reads. The test command installs llvm-19; elsewhere a missing tool skips the test, saying so.</summary>
public static class LlvmTool
{
    public static string Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore($"{tool} is not installed (dotnet cake --target=Test installs llvm-19 on Debian)");
            throw;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output;
        }
    }
}
