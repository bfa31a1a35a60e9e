using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Conduit.Bench;

/// <summary>
/// Which Conduit.dll the scenarios start. By default the hub as docs/operations.md deploys it: `dotnet publish
/// src/Conduit -c Release -r &lt;this machine's runtime&gt; --self-contained false`, which precompiles it (ReadyToRun,
/// Conduit.csproj). The publish is incremental: a few seconds when nothing changed, ~40 s the first time.
/// `--hub build` runs the plain build output that the project reference copied beside the bench instead (JIT only).
/// </summary>
public static class HubBinary
{
    /// <summary>The directory holding the Conduit.dll that HubProcess starts.</summary>
    public static string Directory { get; private set; } = AppContext.BaseDirectory;

    public static string Describe { get; private set; } = "build output (JIT)";

    public static async Task<bool> PrepareAsync(string kind, CancellationToken ct)
    {
        if (kind == "build") return true;
        var root = RepositoryRoot();
        if (root is null)
        {
            Report.Failure("hub", $"cannot publish the hub: no Conduit.slnx above {AppContext.BaseDirectory}; run from a checkout or pass --hub build");
            return false;
        }
        var output = Path.Combine(AppContext.BaseDirectory, "hub-published");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var a in new[] { "publish", Path.Combine("src", "Conduit", "Conduit.csproj"), "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
                     "--self-contained", "false", "-o", output, "-nologo", "-v", "quiet" })
        {
            info.ArgumentList.Add(a);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start `dotnet publish`");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using (Progress.Start(() => $"publishing the hub (ReadyToRun, as deployed): {clock.Elapsed.TotalSeconds:0} s"))
        {
            await process.WaitForExitAsync(ct);
        }
        if (process.ExitCode != 0)
        {
            var text = (await stdout + "\n" + await stderr).Trim();
            Report.Failure("hub", $"`dotnet publish src/Conduit -r {RuntimeInformation.RuntimeIdentifier}` exited {process.ExitCode}:\n{text}");
            return false;
        }
        Directory = output;
        Describe = $"published for {RuntimeInformation.RuntimeIdentifier} (ReadyToRun)";
        Report.Detail($"hub: {Describe}, {Report.F1(clock.Elapsed.TotalSeconds)} s to publish");
        return true;
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conduit.slnx"))) return dir.FullName;
        }
        return null;
    }
}
