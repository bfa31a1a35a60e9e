using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Conduit.Bench;

/// <summary>
/// `scale`: a big database seeded before the hub starts (<see cref="Seeder"/>), then
///  1. the expiry sweep: the due requests all fall due at one instant a few seconds after the seeding (<see cref="DueIn"/>;
///     the seeded file is flushed to disk first),
///     while the hub that started meanwhile runs; the sweep is the time from that instant until every one of them is
///     Expired (counted read-only from the bench with SELECT COUNT(*) … WHERE Status='Expired'), given up after a time
///     limit. The hub's start-up (process start to /healthz) is reported beside it;
///  2. read latencies, one request at a time: the PendingApproval list (first page, next pages by cursor, by userId)
///     and GET /api/v1/app-requests/{id};
///  3. the hub's memory (VmRSS and its peak VmHWM from /proc/&lt;pid&gt;/status).
/// </summary>
public static class ScaleScenario
{
    /// <summary>The reads stop early after this long (a slow hub must not push the scenario past 3 minutes); the count is reported.</summary>
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(40);

    /// <summary>From the end of the seeding to the instant the due requests fall due: time to flush the seeded file to disk
    /// (~5–10 s for 1.4 GB here), for the hub to start (~2 s) and settle. Shorter in the smoke run (an 11 MB file).</summary>
    private static TimeSpan DueIn(BenchOptions options) => TimeSpan.FromSeconds(options.Smoke ? 5 : 20);

    public static async Task<bool> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var rows = options.Rows ?? (options.Smoke ? 20_000 : 1_000_000);
        var due = options.Due ?? (options.Smoke ? 2_000 : 100_000);
        var calls = options.Smoke ? 60 : 500;
        var sweepLimit = TimeSpan.FromSeconds(options.DurationSeconds ?? (options.Smoke ? 30 : 60));
        Report.Header("scale", $"{rows:N0} requests ({due:N0} due for expiry), then the sweep (limit {sweepLimit.TotalSeconds:0} s) and {calls} calls per read");
        var dataDir = HubProcess.NewDataDir("scale");
        try
        {
            await HubProcess.MigrateAsync(dataDir, ct);
            Seeder.Seeded seeded;
            using (var progress = new ProgressText())
            {
                seeded = await Task.Run(() => Seeder.Seed(dataDir, rows, due, DueIn(options), progress.Set), ct);
            }
            // The seeding leaves ~1.4 GB of dirty pages in the OS cache, which the kernel would write back (30 s later,
            // on its own threads) while the hub sweeps; a database that has been in use is settled on disk. Flush first.
            var flush = Stopwatch.StartNew();
            using (var file = new FileStream(HubProcess.DatabasePath(dataDir), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                file.Flush(flushToDisk: true);
            }
            Report.Detail($"seeded file flushed to disk in {Report.F1(flush.Elapsed.TotalSeconds)} s");
            var size = new FileInfo(HubProcess.DatabasePath(dataDir)).Length / 1024.0 / 1024.0;
            Report.Detail($"seeded {seeded.Rows:N0} rows ({seeded.Due:N0} due, {seeded.Pending:N0} pending not due) and {seeded.TimelineRows:N0} timeline entries in {Report.F1(seeded.Took.TotalSeconds)} s; file {Report.F0(size)} MB");

            var expiredBefore = CountExpired(dataDir);
            var spawn = Stopwatch.StartNew();
            await using var hub = await HubProcess.StartAsync(dataDir, options.Settings([]), ct);
            var ready = spawn.Elapsed;
            var untilDue = DateTimeOffset.FromUnixTimeMilliseconds(seeded.DueAtMs) - DateTimeOffset.UtcNow;
            Report.Detail($"hub ({HubBinary.Describe}) ready {Report.F1(ready.TotalSeconds)} s after its start; " +
                          (untilDue > TimeSpan.Zero
                              ? $"the due requests fall due {Report.F1(untilDue.TotalSeconds)} s later"
                              : $"the due requests fell due {Report.F1(-untilDue.TotalSeconds)} s before it was ready (the sweep time includes that)"));
            if (untilDue > TimeSpan.Zero) await Task.Delay(untilDue, ct);
            var (startWritten, startCpu) = (hub.BytesWritten(), hub.CpuTime());
            var sweepClock = Stopwatch.StartNew();
            var (sweep, expired) = await WaitForSweepAsync(dataDir, expiredBefore + seeded.Due, expiredBefore, seeded.Due, sweepClock, sweepLimit, ct);
            if (untilDue < TimeSpan.Zero && sweep is { } late) sweep = late - untilDue;
            var (written, cpu) = (hub.BytesWritten() - startWritten, hub.CpuTime() - startCpu);
            // What bounds the sweep: each expired row rewrites pages of the table and of several indexes (WAL, then checkpoint).
            Report.Detail($"sweep: hub wrote {written / 1e6:0} MB ({written / Math.Max(1, expired) / 1024.0:0.0} KiB per expired row) " +
                          $"and used {Report.F1(cpu.TotalSeconds)} s CPU; {expired:N0}/{seeded.Due:N0} due requests Expired " +
                          (sweep is null ? $"when the {sweepLimit.TotalSeconds:0} s limit was reached" : $"{Report.F1(sweep.Value.TotalSeconds)} s after they fell due"));

            using var admin = hub.Admin(1);
            var first = new Samples();
            var next = new Samples();
            var byUser = new Samples();
            var get = new Samples();
            string? cursor = null;
            var random = new Random(7);
            using (Progress.Start(() => $"reads: list {first.Count + next.Count + byUser.Count}/{3 * calls}  get {get.Count}/{calls}"))
            {
                var readClock = Stopwatch.StartNew();
                for (var i = 0; i < calls && readClock.Elapsed < ReadLimit; i++)
                {
                    var page = await TimedAsync(admin, "/api/v1/app-requests?status=PendingApproval&limit=50", first, ct);
                    cursor ??= page; // walk on through the pages by cursor; start over after the last one
                    if (cursor is not null)
                    {
                        cursor = await TimedAsync(admin, $"/api/v1/app-requests?status=PendingApproval&limit=50&cursor={Uri.EscapeDataString(cursor)}", next, ct);
                    }
                    var user = seeded.SampleUsers[random.Next(seeded.SampleUsers.Length)];
                    await TimedAsync(admin, $"/api/v1/app-requests?userId={user}&limit=50", byUser, ct);
                    await TimedAsync(admin, $"/api/v1/app-requests/{seeded.SampleIds[random.Next(seeded.SampleIds.Length)]}", get, ct);
                }
            }
            var list = new Samples();
            foreach (var s in new[] { first, next, byUser }) foreach (var v in s.Sorted()) list.Add(v);
            var (rss, peak) = hub.Memory();
            Report.Detail($"{get.Count} rounds of reads ({list.Count} list calls, {get.Count} gets), one at a time" +
                          (get.Count < calls ? $", stopped at the {ReadLimit.TotalSeconds:0} s limit" : ""));
            Report.Detail($"list p50/p99 ms: first page {Report.Ms(first.Percentile(50))}/{Report.Ms(first.Percentile(99))}, " +
                          $"by cursor {Report.Ms(next.Percentile(50))}/{Report.Ms(next.Percentile(99))}, " +
                          $"by userId {Report.Ms(byUser.Percentile(50))}/{Report.Ms(byUser.Percentile(99))}; get {Report.Ms(get.Percentile(50))}/{Report.Ms(get.Percentile(99))}");
            Report.Detail(hub.LogSummary);
            Report.Detail($"hub memory: VmRSS {Report.F0(rss)} MB, peak VmHWM {Report.F0(peak)} MB");

            var sweepText = sweep is { } took ? $"{Report.F1(took.TotalSeconds)} s" : $">{sweepLimit.TotalSeconds:0} s ({expired:N0} done)";
            var dueLabel = seeded.Due >= 1000 ? $"{seeded.Due / 1000}k" : seeded.Due.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Report.Summary($"scale: list p99 {Report.Ms(list.Percentile(99))} ms | get p99 {Report.Ms(get.Percentile(99))} ms | " +
                           $"expiry sweep {dueLabel} {sweepText} | rss {Report.F0(rss)} MB");
            if (expired == 0)
            {
                // Not finishing in time is a result to report; expiring nothing at all means the sweep (or the seeding) is broken.
                Report.Failure("scale", $"no due request was Expired within {sweepLimit.TotalSeconds:0} s");
                return false;
            }
            return true;
        }
        finally
        {
            HubProcess.CleanUp(dataDir, options.Keep);
        }
    }

    /// <summary>One GET, timed; fails loudly on a non-2xx (a 404 here would mean the seeded rows do not match the hub's model).</summary>
    private static async Task<string?> TimedAsync(HttpClient http, string url, Samples into, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(url, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        into.Add(Samples.Ms(start, Stopwatch.GetTimestamp()));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        }
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("nextCursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
    }

    private static async Task<(TimeSpan? Took, long Expired)> WaitForSweepAsync(string dataDir, long target, long before, int due, Stopwatch clock,
        TimeSpan limit, CancellationToken ct)
    {
        long expired = 0;
        using var progress = Progress.Start(() => $"expiry sweep: {clock.Elapsed.TotalSeconds,4:0} s  {expired,7}/{due} Expired");
        while (clock.Elapsed < limit)
        {
            expired = CountExpired(dataDir) - before;
            if (expired + before >= target) return (clock.Elapsed, expired);
            await Task.Delay(100, ct);
        }
        return (null, expired);
    }

    private static long CountExpired(string dataDir)
    {
        using var connection = new SqliteConnection($"Data Source={HubProcess.DatabasePath(dataDir)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM app_requests WHERE Status = 'Expired';";
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>Progress for work that reports its own text (the seeder).</summary>
    private sealed class ProgressText : IDisposable
    {
        private volatile string _text = "";
        private readonly Progress _progress;
        public ProgressText() => _progress = Progress.Start(() => _text);
        public void Set(string text) => _text = text;
        public void Dispose() => _progress.Dispose();
    }
}
