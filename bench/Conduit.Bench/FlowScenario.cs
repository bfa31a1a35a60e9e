using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Conduit.Simulators;

namespace Conduit.Bench;

/// <summary>
/// `flow`: full approval flows at an offered rate (open loop): intake → ServiceNow simulator (auto-approves at
/// once) → callback → UEM install command → the device reports (InstallDelay 50 ms) → the hub's install poll
/// sees it → Installed. Completion is tracked cheaply during the run (the UEM simulator's install commands, four
/// limit=1 status probes per second while draining) and exactly at the end (one paged sweep of the Installed list).
/// Slack is not configured: its 1 msg/s webhook limit would only measure the pacing of notifications.
/// </summary>
public static class FlowScenario
{
    private static readonly string[] ActiveStatuses = ["Submitted", "PendingApproval", "Approved", "InstallCommandDispatched"];
    private static readonly string[] OtherFinal = ["Rejected", "Expired", "Error"];
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(20);

    /// <summary>Warm-up flows use devices and users from here up, so they never meet the measured ones.</summary>
    private const int WarmUpOffset = 5_000_000;

    /// <summary>The n-th measured rate uses devices and users from n·RateOffset up.</summary>
    private const int RateOffset = 200_000;

    /// <summary>Default: 30 s at the offered rate, at most 150 flows/s (so the warm-up itself always drains); smoke: 1 s.
    /// Measured: after 15 s the hub still spent about a quarter of its CPU in the JIT (dotnet-counters), after 30 s little.</summary>
    private static (double Rate, TimeSpan Duration) WarmUp(BenchOptions options) =>
        (Math.Min(options.Rate ?? 200, options.Smoke ? 10 : 150), TimeSpan.FromSeconds(options.WarmUpSeconds ?? (options.Smoke ? 1 : 30)));

    public sealed record FlowRun(double Rate, long Offered, long Accepted, long Failed, int Installed, int Lost, int Duplicates,
        double Throughput, double E2eP50, double E2eP99, double CallbackP50, double CallbackP99, int CallbackSamples,
        IReadOnlyDictionary<string, int> Others, string? FirstFailure, double HubCpuPerFlowMs, double BenchCpuPerFlowMs, int WarmUpFlows)
    {
        public string Line(string name) =>
            $"{name}: {Report.F0(Throughput)} flows/s | callback→dispatch p50 {Report.Ms(CallbackP50)} ms p99 {Report.Ms(CallbackP99)} ms | " +
            $"lost {Lost} | duplicate installs {Duplicates}";

        public bool Passed => Accepted > 0 && Failed == 0 && Lost == 0 && Duplicates == 0;
    }

    public static async Task<bool> RunAsync(BenchOptions options, CancellationToken ct)
    {
        if (options.Sweep) return await SweepAsync(options, ct);
        var rate = options.Rate ?? (options.Smoke ? 20 : 200);
        var duration = options.Duration(20, 3);
        var drain = TimeSpan.FromSeconds(options.Smoke ? 20 : 120);
        Report.Header("flow", $"{rate:0} flows/s offered for {duration.TotalSeconds:0} s, then up to {drain.TotalSeconds:0} s to drain " +
                              $"(less if nothing moves for {Stall.TotalSeconds:0} s)");
        var run = (await RunOnHubAsync([rate], duration, drain, options, _ => { }, ct))[0];
        Details(run);
        Report.Summary(run.Line("flow"));
        if (!run.Passed) Report.Failure("flow", Why(run));
        return run.Passed;
    }

    private static async Task<bool> SweepAsync(BenchOptions options, CancellationToken ct)
    {
        double[] rates = options.Smoke ? [10, 20] : [50, 100, 200, 400, 800];
        var duration = options.Duration(10, 2);
        var drain = TimeSpan.FromSeconds(options.Smoke ? 15 : 120);
        Report.Header("flow", $"sweep over {string.Join(", ", rates)} flows/s, {duration.TotalSeconds:0} s each on one warmed-up hub, up to {drain.TotalSeconds:0} s drain after each");
        var runs = await RunOnHubAsync(rates, duration, drain, options, run =>
        {
            Details(run);
            Report.Detail(run.Line($"flow@{run.Rate:0}"));
        }, ct);
        var chart = FlowChart.Write(runs);
        Report.Detail($"chart: {chart}");
        Report.Detail("offered | completed flows/s | intake→Installed p50 / p99 ms | callback→dispatch p50 / p99 ms | lost | dup");
        foreach (var r in runs)
        {
            Report.Detail($"{r.Rate,7:0} | {Report.F0(r.Throughput),17} | {Report.Ms(r.E2eP50),8} / {Report.Ms(r.E2eP99),-8} | " +
                          $"{Report.Ms(r.CallbackP50),8} / {Report.Ms(r.CallbackP99),-8} | {r.Lost,4} | {r.Duplicates}");
        }
        // The last line: the best completed throughput of the sweep, with lost and duplicates over every rate.
        var best = runs.MaxBy(r => r.Throughput)!;
        var total = best with { Lost = runs.Sum(r => r.Lost), Duplicates = runs.Sum(r => r.Duplicates) };
        Report.Summary(total.Line("flow"));
        var ok = runs.All(r => r.Passed);
        if (!ok) Report.Failure("flow", string.Join("; ", runs.Where(r => !r.Passed).Select(r => $"{r.Rate:0}/s: {Why(r)}")));
        return ok;
    }

    private static string Why(FlowRun r) =>
        $"{r.Accepted} accepted, {r.Failed} intake failures, {r.Lost} not Installed after the drain, {r.Duplicates} duplicate installs" +
        (r.FirstFailure is null ? "" : $"; first failure: {r.FirstFailure}");

    private static void Details(FlowRun r)
    {
        var others = string.Join(", ", r.Others.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}"));
        Report.Detail($"offered {r.Offered} at {r.Rate:0}/s: {r.Accepted} accepted, {r.Failed} failed, {r.Installed} Installed" +
                      (others.Length > 0 ? $", {others}" : "") + $"; intake→Installed p50 {Report.Ms(r.E2eP50)} ms p99 {Report.Ms(r.E2eP99)} ms; " +
                      $"callback→dispatch over {r.CallbackSamples} flows (after {r.WarmUpFlows} warm-up flows)");
        if (r.Installed > 0)
        {
            // What bounds throughput: every flow costs this much CPU on a machine with Environment.ProcessorCount cores.
            var perFlow = r.HubCpuPerFlowMs + r.BenchCpuPerFlowMs;
            Report.Detail($"CPU per Installed flow: hub {Report.F1(r.HubCpuPerFlowMs)} ms + simulators and driver {Report.F1(r.BenchCpuPerFlowMs)} ms " +
                          $"= {Report.F1(perFlow)} ms → at most {Report.F0(Environment.ProcessorCount * 1000 / perFlow)} flows/s on {Environment.ProcessorCount} cores " +
                          $"(simulators and driver alone: {Report.F0(Environment.ProcessorCount * 1000 / r.BenchCpuPerFlowMs)})");
        }
    }

    /// <summary>One hub and simulators, warmed up once; then each rate in turn, on its own devices, each drained before the next.</summary>
    public static async Task<List<FlowRun>> RunOnHubAsync(double[] rates, TimeSpan duration, TimeSpan drain, BenchOptions options,
        Action<FlowRun> done, CancellationToken ct)
    {
        var dataDir = HubProcess.NewDataDir("flow");
        await using var uem = new UemSimulator(new UemSimulatorOptions
        {
            DeviceCount = 10_000_000,
            UserCount = 1_000_000,
            InstallDelay = TimeSpan.FromMilliseconds(50),
            DailyQuota = int.MaxValue,
        });
        await using var serviceNow = new ServiceNowSimulator(new ServiceNowSimulatorOptions { AutoApproveAfter = TimeSpan.Zero });
        try
        {
            await uem.StartAsync("http://127.0.0.1:0", ct);
            await serviceNow.StartAsync("http://127.0.0.1:0", ct);
            await using var hub = await HubProcess.StartAsync(dataDir, options.Settings(new()
            {
                ["Conduit:Jobs:PollInterval"] = "00:00:00.100",
                ["Conduit:AppApprovals:InstallPollInterval"] = "00:00:00.200",
            }), ct);
            await hub.ConfigureAsync(uem, serviceNow, ct);

            using var intake = Http.Client(hub.BaseUrl, 512, HubProcess.IntakeKey);
            using var admin = hub.Admin();

            // Warm-up: a deployed hub runs for weeks, so its first seconds (tens of thousands of methods JIT-compiled and
            // re-compiled by tiered compilation, pools and caches filling) are not what this scenario measures. Flows on
            // other devices run first and are drained; they count towards duplicates, not towards the figures.
            var warmAccepted = new ConcurrentDictionary<Guid, DateTimeOffset>();
            var warmUp = WarmUp(options);
            if (warmUp.Duration > TimeSpan.Zero)
            {
                await LoadGen.FixedRateAsync(warmUp.Rate, warmUp.Duration, Submit(warmAccepted, WarmUpOffset), $"warm-up {warmUp.Rate:0}/s",
                    () => $"  installs {uem.InstallCommands.Count,7}", ct);
                await DrainAsync(admin, uem, serviceNow, warmAccepted.Count, drain, ct);
            }
            var runs = new List<FlowRun>();
            for (var r = 0; r < rates.Length; r++)
            {
                var run = await MeasureAsync(rates[r], (r + 1) * RateOffset, warmAccepted);
                done(run);
                runs.Add(run);
            }
            return runs;

            async Task<FlowRun> MeasureAsync(double rate, int offset, ConcurrentDictionary<Guid, DateTimeOffset> warmAccepted)
            {
                var installsBefore = uem.InstallCommands.Count;
                var first = offset == RateOffset;

                var accepted = new ConcurrentDictionary<Guid, DateTimeOffset>();
                var submit = Submit(accepted, offset);
                var start = DateTimeOffset.UtcNow;
                var cpuBefore = hub.CpuTime();
                var benchCpuBefore = Environment.CpuUsage.TotalTime;
                var load = await LoadGen.FixedRateAsync(rate, duration, submit, $"flow {rate:0}/s", () => $"  installs {uem.InstallCommands.Count - installsBefore,7}", ct);

                await DrainAsync(admin, uem, serviceNow, accepted.Count + installsBefore, drain, ct);
                var cpu = hub.CpuTime() - cpuBefore;
                var benchCpu = Environment.CpuUsage.TotalTime - benchCpuBefore;
                Report.Detail(hub.LogSummary);
                var installed = await ListAsync(admin, "Installed", ct);
                var others = new Dictionary<string, int>();
                foreach (var s in OtherFinal.Concat(ActiveStatuses)) others[s] = (await ListAsync(admin, s, ct)).Count;
                var warmLost = first ? warmAccepted.Keys.Count(id => !installed.ContainsKey(id)) : 0;

                // End to end: from the moment the bench sent the request to the hub's Installed transition (same clock).
                var e2e = new Samples();
                var lastInstalled = start;
                foreach (var (id, row) in installed)
                {
                    if (!accepted.TryGetValue(id, out var sentAt)) continue;
                    e2e.Add((row.UpdatedAt - sentAt).TotalMilliseconds);
                    if (row.UpdatedAt > lastInstalled) lastInstalled = row.UpdatedAt;
                }
                var lost = accepted.Keys.Count(id => !installed.ContainsKey(id)) + warmLost;

                // Exactly once: counted from what the UEM simulator received for this rate's devices (and, with the first rate, the
                // warm-up's), cross-checked with its per-pair counters.
                bool Mine(long device) => (device > offset && device < offset + RateOffset) || (first && device > WarmUpOffset);
                var commands = uem.InstallCommands.Where(c => Mine(c.DeviceId)).ToList();
                var byPair = commands.GroupBy(c => (c.DeviceId, c.AppId)).ToDictionary(g => g.Key, g => g.ToList());
                var duplicates = Math.Max(byPair.Count(kv => kv.Value.Count > 1), byPair.Keys.Count(k => uem.InstallCount(k.AppId, k.DeviceId) > 1));

                // Callback → dispatch: the ticket's decision time (set just before the simulator POSTs the callback, so the
                // callback's own round trip is included) to the first install command UEM received for that device.
                var callback = new Samples();
                foreach (var ticket in serviceNow.Tickets.Where(t => t.Approval == "approved" && t.UUemDeviceId > offset && t.UUemDeviceId < offset + RateOffset))
                {
                    if (byPair.TryGetValue(((int)ticket.UUemDeviceId, 101), out var cmds))
                    {
                        callback.Add((cmds.Min(c => c.At) - ticket.UpdatedAt).TotalMilliseconds);
                    }
                }
                var e2eSorted = e2e.Sorted();
                var cbSorted = callback.Sorted();
                var span = (lastInstalled - start).TotalSeconds;
                return new FlowRun(rate, load.Ok + load.Failed, accepted.Count, load.Failed, e2e.Count, lost, duplicates,
                    span > 0 ? e2e.Count / span : 0,
                    Samples.Percentile(e2eSorted, 50), Samples.Percentile(e2eSorted, 99),
                    Samples.Percentile(cbSorted, 50), Samples.Percentile(cbSorted, 99), cbSorted.Length,
                    others, load.FirstFailure, cpu.TotalMilliseconds / Math.Max(1, e2e.Count), benchCpu.TotalMilliseconds / Math.Max(1, e2e.Count),
                    warmAccepted.Count);
            }

            Operation Submit(ConcurrentDictionary<Guid, DateTimeOffset> into, int offset) => async (i, token) =>
            {
                using var content = new ByteArrayContent(Report.IntakeBody(deviceId: i + offset, userId: i + offset));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var sentAt = DateTimeOffset.UtcNow;
                using var response = await intake.PostAsync("/api/v1/app-requests", content, token);
                var body = await response.Content.ReadAsStringAsync(token);
                if (response.StatusCode != HttpStatusCode.Accepted) return (false, $"{(int)response.StatusCode}: {body}");
                using var json = JsonDocument.Parse(body);
                into[json.RootElement.GetProperty("requestId").GetGuid()] = sentAt;
                return (true, null);
            };
        }
        finally
        {
            HubProcess.CleanUp(dataDir, options.Keep);
        }
    }

    /// <summary>
    /// Waits until no request is in an active status (four limit=1 probes per check). Gives up when the drain time is up,
    /// or earlier when neither ServiceNow nor UEM has received anything new for <see cref="Stall"/>: a backlog that is still being
    /// worked off is waited for, requests that are stuck are not.
    /// </summary>
    private static async Task DrainAsync(HttpClient admin, UemSimulator uem, ServiceNowSimulator serviceNow, int accepted, TimeSpan drain,
        CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var active = "?";
        int Work() => serviceNow.Tickets.Count + uem.InstallCommands.Count; // tickets first (they queue ahead), then installs
        var work = Work();
        var lastChange = clock.Elapsed;
        using var progress = Progress.Start(() =>
            $"drain: {clock.Elapsed.TotalSeconds,4:0}/{drain.TotalSeconds:0} s  install commands {uem.InstallCommands.Count}/{accepted}  active: {active}");
        while (clock.Elapsed < drain && clock.Elapsed - lastChange < Stall)
        {
            if (Work() is var now && now != work)
            {
                work = now;
                lastChange = clock.Elapsed;
            }
            var still = new List<string>();
            foreach (var status in ActiveStatuses)
            {
                using var response = await admin.GetAsync($"/api/v1/app-requests?status={status}&limit=1", ct);
                response.EnsureSuccessStatusCode();
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                if (json.RootElement.GetProperty("items").GetArrayLength() > 0) still.Add(status);
            }
            var was = active;
            active = still.Count == 0 ? "none" : string.Join(",", still);
            if (active != was) lastChange = clock.Elapsed;
            if (still.Count == 0) return;
            await Task.Delay(250, ct);
        }
    }

    public sealed record Row(DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    /// <summary>Every request in one status, through the keyset-paged list (limit 500).</summary>
    public static async Task<Dictionary<Guid, Row>> ListAsync(HttpClient admin, string status, CancellationToken ct)
    {
        var rows = new Dictionary<Guid, Row>();
        string? cursor = null;
        do
        {
            var url = $"/api/v1/app-requests?status={status}&limit=500" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            using var response = await admin.GetAsync(url, ct);
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            foreach (var item in json.RootElement.GetProperty("items").EnumerateArray())
            {
                rows[item.GetProperty("requestId").GetGuid()] =
                    new Row(item.GetProperty("createdAt").GetDateTimeOffset(), item.GetProperty("updatedAt").GetDateTimeOffset());
            }
            cursor = json.RootElement.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        } while (cursor is not null);
        return rows;
    }
}
