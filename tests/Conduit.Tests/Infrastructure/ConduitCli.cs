using System.Diagnostics;

namespace Conduit.Tests.Infrastructure;

/// <summary>Runs the built `conduit` executable (Conduit.dll) as an admin's shell would.</summary>
public static class ConduitCli
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(string? workDir, string? stdin, IDictionary<string, string?>? env, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            WorkingDirectory = workDir ?? Path.GetTempPath(),
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Conduit.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null) info.Environment.Remove(k);
            else info.Environment[k] = v;
        }
        using var p = Process.Start(info)!;
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}
