using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Conduit.Simulators;

namespace Conduit.Bench;

/// <summary>
/// The hub as its own OS process: the Conduit.dll that <see cref="HubBinary"/> chose (published, or the build output),
/// run as `dotnet Conduit.dll serve --urls … --Key=Value…`, like tests/Conduit.Tests/Infrastructure/HubProcess.cs.
/// </summary>
public sealed class HubProcess : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-0123456789abcdef";
    public const string IntakeKey = "bench-intake-key-0123456789abcdef";

    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private bool _pendingFirst;

    private HubProcess(Process process, Uri baseUrl, string dataDir)
    {
        _process = process;
        BaseUrl = baseUrl;
        DataDir = dataDir;
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseUrl { get; }
    public string DataDir { get; }
    public int Pid => _process.Id;
    public static string DatabasePath(string dataDir) => Path.Combine(dataDir, "conduit.db");
    public static string ConnectionString(string dataDir) => $"Data Source={DatabasePath(dataDir)}";

    /// <summary>The last lines the hub wrote (stdout and stderr), for error messages.</summary>
    public string Tail
    {
        get { lock (_tail) return string.Join('\n', _tail); }
    }

    private int _warnings;
    private int _errors;
    private string? _firstProblem;

    /// <summary>What the hub logged at Warning and above ("warn:"/"fail:"/"crit:" lines of the console logger), and the first of them.</summary>
    public string LogSummary
    {
        get
        {
            lock (_tail)
            {
                var first = _firstProblem is { Length: > 160 } text ? text[..160] + "…" : _firstProblem;
                return $"hub log: {_warnings} warnings, {_errors} errors" + (first is null ? "" : $" (first: {first})");
            }
        }
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            if (_pendingFirst)
            {
                _firstProblem += " " + line.Trim();
                _pendingFirst = false;
            }
            if (line.StartsWith("warn:", StringComparison.Ordinal)) _warnings++;
            if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)) _errors++;
            if (_firstProblem is null && line.Length > 5 && line[4] == ':' && line[..4] is "warn" or "fail" or "crit")
            {
                _firstProblem = line.Trim();
                _pendingFirst = true; // the console logger puts the message on the next line
            }
            _tail.Enqueue(line);
            while (_tail.Count > 40) _tail.Dequeue();
        }
    }

    public static string NewDataDir(string scenario) => Directory.CreateTempSubdirectory($"conduit-bench-{scenario}-").FullName;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Extra environment variables for every hub process started from now on (--hub-env).</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();

    private static string ConduitDll => Path.Combine(HubBinary.Directory, "Conduit.dll");

    private static ProcessStartInfo Command(string verb, string dataDir, IEnumerable<KeyValuePair<string, string>> settings)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDir,
        };
        foreach (var (k, v) in Environment) info.Environment[k] = v;
        info.ArgumentList.Add(ConduitDll);
        info.ArgumentList.Add(verb);
        foreach (var (k, v) in settings) info.ArgumentList.Add($"--{k}={v}");
        return info;
    }

    /// <summary>`dotnet Conduit.dll migrate`: creates the schema in a fresh database file.</summary>
    public static async Task MigrateAsync(string dataDir, CancellationToken ct)
    {
        using var process = Process.Start(Command("migrate", dataDir, [new("ConnectionStrings:Conduit", ConnectionString(dataDir))]))
            ?? throw new InvalidOperationException("could not start `dotnet Conduit.dll migrate`");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"migrate exited with {process.ExitCode}: {await output}{await error}");
    }

    /// <summary>Starts `serve` on a free loopback port with a database in <paramref name="dataDir"/> and waits for /readyz.</summary>
    public static async Task<HubProcess> StartAsync(string dataDir, IDictionary<string, string>? extra, CancellationToken ct)
    {
        var port = FreePort();
        var settings = new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings:Conduit"] = ConnectionString(dataDir),
            ["Conduit:AdminApiKey"] = AdminKey,
            ["Conduit:IntakeApiKey"] = IntakeKey,
            ["Conduit:Connectors:AllowInsecureLoopback"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) settings[k] = v;
        var process = Process.Start(Command("serve", dataDir, settings)) ?? throw new InvalidOperationException("could not start the hub process");
        Running[process.Id] = process;
        var hub = new HubProcess(process, new Uri($"http://127.0.0.1:{port}"), dataDir);
        try
        {
            await hub.WaitReadyAsync(ct);
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
        return hub;
    }

    private async Task WaitReadyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) throw new InvalidOperationException($"the hub exited with {_process.ExitCode}:\n{Tail}");
            try
            {
                if ((await http.GetAsync("/readyz", ct)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(50, ct);
        }
        throw new TimeoutException($"the hub did not become ready within 60 s:\n{Tail}");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Resident set size and its peak, in MB, from /proc/&lt;pid&gt;/status.</summary>
    public (double RssMb, double PeakMb) Memory()
    {
        double Read(string[] lines, string key) =>
            lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) is { } line
                ? double.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024
                : double.NaN;
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        return (Read(status, "VmRSS:"), Read(status, "VmHWM:"));
    }

    /// <summary>CPU time (user + system) the hub has used so far, from /proc/&lt;pid&gt;/stat.</summary>
    /// <summary>Bytes the hub process has caused to be written to storage so far (/proc/&lt;pid&gt;/io, write_bytes).</summary>
    public long BytesWritten()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/io"))
        {
            if (line.StartsWith("write_bytes:", StringComparison.Ordinal)) return long.Parse(line["write_bytes:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    public HttpClient Admin(int connections = 4) => Http.Client(BaseUrl, connections, AdminKey);

    /// <summary>Points the hub's connectors at the simulators through the public API (PUT /api/v1/connectors/{kind}).</summary>
    public async Task ConfigureAsync(UemSimulator? uem, ServiceNowSimulator? serviceNow, CancellationToken ct)
    {
        using var admin = Admin();
        if (uem is not null)
        {
            (await admin.PutAsJsonAsync("/api/v1/connectors/uem", new
            {
                baseUrl = uem.BaseUrl.ToString(),
                userName = uem.Options.UserName,
                password = uem.Options.Password,
                tenantCode = uem.Options.TenantCode,
            }, ct)).EnsureSuccessStatusCode();
        }
        if (serviceNow is not null)
        {
            (await admin.PutAsJsonAsync("/api/v1/connectors/servicenow", new
            {
                baseUrl = serviceNow.BaseUrl.ToString(),
                userName = serviceNow.Options.UserName,
                password = serviceNow.Options.Password,
                apiNamespace = serviceNow.Options.ApiNamespace,
            }, ct)).EnsureSuccessStatusCode();
        }
    }

    /// <summary>Kills every hub this process started (Ctrl+C, unhandled errors, normal exit).</summary>
    public static void KillAll()
    {
        foreach (var (pid, process) in Running)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            Running.TryRemove(pid, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        Running.TryRemove(_process.Id, out _);
        _process.Dispose();
    }

    /// <summary>Deletes a run's temp folder unless --keep was given (then says where it is).</summary>
    public static void CleanUp(string dataDir, bool keep)
    {
        if (keep)
        {
            Console.WriteLine($"  (kept {dataDir})");
            return;
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
