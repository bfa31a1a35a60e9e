using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Conduit.Tests.Infrastructure;

/// <summary>The hub as a separate OS process (the built Conduit.dll), so a test can kill it with SIGKILL.</summary>
public sealed class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HubProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseUrl { get; }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<HubProcess> StartAsync(int port, string dataDir, IDictionary<string, string?> extra)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Conduit.dll");
        var settings = TestHub.DefaultSettings(dataDir);
        settings["urls"] = $"http://127.0.0.1:{port}";
        foreach (var (k, v) in extra) settings[k] = v;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDir,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("serve");
        foreach (var (k, v) in settings.Where(kv => kv.Value is not null)) info.ArgumentList.Add($"--{k}={v}");
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the hub process");
        var hub = new HubProcess(process, new Uri($"http://127.0.0.1:{port}"));
        await hub.WaitReadyAsync();
        return hub;
    }

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The hub exited with {_process.ExitCode}:\n{Output}");
            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The hub did not become ready:\n{Output}");
    }

    public HttpClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
