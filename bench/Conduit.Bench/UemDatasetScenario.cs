using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Conduit.Simulators;

namespace Conduit.Bench;

/// <summary>
/// `uem`: the UEM simulator's large deterministic dataset (issue 4): how long a 1,000,000-device tenant takes to
/// start, and how fast GET /API/mdm/devices/search pages through it at the maximum page size of 500, over HTTP on
/// loopback, with `--concurrency` pagers (default 2, one per core). Last line:
/// `uem: 1000000 devices | start X s | paging Y devices/s (C pagers)`.
/// </summary>
public static class UemDatasetScenario
{
    public static async Task<bool> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var devices = options.Smoke ? 100_000 : 1_000_000;
        var seconds = options.DurationSeconds ?? (options.Smoke ? 2 : 10);
        Report.Header("uem", $"{devices:N0}-device UEM simulator: start, then page devices/search at 500 for {seconds} s");

        var started = Stopwatch.StartNew();
        await using var uem = new UemSimulator(new UemSimulatorOptions { DeviceCount = devices, UserCount = devices / 10, DailyQuota = int.MaxValue });
        await uem.StartAsync(ct: ct);
        var startSeconds = started.Elapsed.TotalSeconds;

        using var http = new HttpClient { BaseAddress = uem.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{uem.Options.UserName}:{uem.Options.Password}")));
        http.DefaultRequestHeaders.Add("aw-tenant-code", uem.Options.TenantCode);
        await http.GetStringAsync("API/mdm/devices/search?page=0&pagesize=500", ct); // warm-up

        var pages = devices / 500;
        var pagers = options.Concurrency ?? 2;
        long seen = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        using var progress = new Timer(_ => Console.Write(
            $"\rpaging: {clock.Elapsed.TotalSeconds,4:0} s {Interlocked.Read(ref seen),10:N0} devices {Interlocked.Read(ref seen) / clock.Elapsed.TotalSeconds,10:N0}/s"),
            null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        await Task.WhenAll(Enumerable.Range(0, pagers).Select(async _ =>
        {
            while (clock.Elapsed < deadline)
            {
                var page = Interlocked.Increment(ref next) % pages;
                using var doc = JsonDocument.Parse(await http.GetStringAsync($"API/mdm/devices/search?page={page}&pagesize=500", ct));
                Interlocked.Add(ref seen, doc.RootElement.GetProperty("Devices").GetArrayLength());
            }
        }));
        var pagesRead = next + 1;
        Console.WriteLine();
        var rate = seen / clock.Elapsed.TotalSeconds;
        Report.Detail($"{pagesRead} pages of 500 read in {clock.Elapsed.TotalSeconds:0.0} s by {pagers} pagers over HTTP (load driver in the same process)");
        Report.Summary($"uem: {devices} devices | start {Report.F2(startSeconds)} s | paging {Report.F0(rate)} devices/s ({pagers} pagers)");
        return seen > 0;
    }
}
