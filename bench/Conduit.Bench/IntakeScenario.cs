using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Conduit.Bench;

/// <summary>
/// `intake`: sustained POST /api/v1/app-requests at a fixed concurrency against the hub (a separate process),
/// then the same load against the floor (<see cref="FloorServer"/>) in the same run.
/// The ServiceNow connector is left unconfigured, so only intake is measured: each request's ticket job is
/// tried once by the hub's dispatcher (it answers "not configured" and backs off for seconds), which is real
/// background work that shares the CPU with intake, as it would in production while ServiceNow is down.
/// </summary>
public static class IntakeScenario
{
    public static async Task<bool> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var concurrency = options.Concurrency ?? (options.Smoke ? 16 : 64);
        var duration = options.Duration(20, 2);
        var warmup = TimeSpan.FromSeconds(options.Smoke ? 0.5 : 5);
        Report.Header("intake", $"POST /api/v1/app-requests, {concurrency} workers, {duration.TotalSeconds:0} s each against the hub and the floor");

        LoadResult hubResult;
        var hubDir = HubProcess.NewDataDir("intake");
        try
        {
            await using var hub = await HubProcess.StartAsync(hubDir, options.Settings([]), ct);
            hubResult = await DriveAsync(hub.BaseUrl, concurrency, duration, warmup, "hub  ", () => hub.CpuTime(), ct);
            if (hub.HasExited) throw new InvalidOperationException($"the hub died during the run:\n{hub.Tail}");
            Report.Detail(hub.LogSummary);
        }
        finally
        {
            HubProcess.CleanUp(hubDir, options.Keep);
        }

        LoadResult floorResult;
        var floorDir = HubProcess.NewDataDir("floor");
        try
        {
            await using var floor = await FloorServer.StartAsync(floorDir, ct);
            floorResult = await DriveAsync(floor.BaseUrl, concurrency, duration, warmup, "floor", () => Process.GetCurrentProcess().TotalProcessorTime, ct);
        }
        finally
        {
            HubProcess.CleanUp(floorDir, options.Keep);
        }

        var hubSorted = hubResult.Latencies.Sorted();
        var floorSorted = floorResult.Latencies.Sorted();
        Report.Detail($"hub:   {hubResult.Ok} accepted, {hubResult.Failed} failed in {Report.F1(hubResult.Elapsed.TotalSeconds)} s; " +
                      $"p50 {Report.Ms(Samples.Percentile(hubSorted, 50))} ms p99 {Report.Ms(Samples.Percentile(hubSorted, 99))} ms; {hubResult.Note}");
        Report.Detail($"floor: {floorResult.Ok} accepted, {floorResult.Failed} failed in {Report.F1(floorResult.Elapsed.TotalSeconds)} s; " +
                      $"p50 {Report.Ms(Samples.Percentile(floorSorted, 50))} ms p99 {Report.Ms(Samples.Percentile(floorSorted, 99))} ms; {floorResult.Note}");
        var ratio = floorResult.Throughput > 0 ? hubResult.Throughput / floorResult.Throughput : double.NaN;
        Report.Summary($"intake: {Report.F0(hubResult.Throughput)} req/s p99 {Report.Ms(Samples.Percentile(hubSorted, 99))} ms | " +
                       $"floor: {Report.F0(floorResult.Throughput)} req/s | ratio: {Report.F2(ratio)}");

        var ok = true;
        foreach (var (name, r) in new[] { ("hub", hubResult), ("floor", floorResult) })
        {
            if (r.Failed > 0 || r.Ok == 0)
            {
                Report.Failure("intake", $"{name}: {r.Failed} requests failed, {r.Ok} accepted; first failure: {r.FirstFailure ?? "none"}");
                ok = false;
            }
        }
        return ok;
    }

    /// <summary>A short warm-up (JIT, connection pool, SQLite page cache), then the measured run on fresh counters.</summary>
    private static async Task<LoadResult> DriveAsync(Uri baseUrl, int concurrency, TimeSpan duration, TimeSpan warmup, string label,
        Func<TimeSpan> cpu, CancellationToken ct)
    {
        using var http = Http.Client(baseUrl, concurrency, HubProcess.IntakeKey);
        long offset = 0;
        Operation post = async (i, token) =>
        {
            var n = Interlocked.Read(ref offset) + i;
            using var content = new ByteArrayContent(Report.IntakeBody(deviceId: n, userId: n));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync("/api/v1/app-requests", content, token);
            return response.StatusCode == HttpStatusCode.Accepted
                ? (true, null)
                : (false, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
        };
        var warm = await LoadGen.FixedConcurrencyAsync(concurrency, warmup, post, $"{label} warm-up", ct);
        Interlocked.Exchange(ref offset, 10_000_000);
        if (warm.Failed > 0 && warm.Ok == 0) return warm;
        var cpuBefore = cpu();
        var result = await LoadGen.FixedConcurrencyAsync(concurrency, duration, post, label, ct);
        var used = cpu() - cpuBefore;
        result.Note = $"{Report.F2(used.TotalMilliseconds / Math.Max(1, result.Ok))} ms CPU per request " +
                      $"({Report.F0(100 * used.TotalSeconds / result.Elapsed.TotalSeconds)} % of one core{(label == "floor" ? ", load generator included" : "")})";
        return result;
    }
}
