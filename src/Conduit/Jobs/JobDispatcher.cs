using Conduit.AppApprovals;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Conduit.Jobs;

/// <summary>
/// Runs due jobs from the jobs table. On SQLite there is one node, so this single dispatcher owns the
/// queue: rows it is running are kept in memory, and after a crash every pending row is simply due again.
/// Retries use exponential backoff with full jitter, or the other side's Retry-After when it sent one.
/// </summary>
public sealed partial class JobDispatcher(
    IServiceScopeFactory scopes,
    IEnumerable<IJobHandler> handlers,
    JobSignal signal,
    Connectors.ConnectorStore connectors,
    TimeProvider time,
    IOptions<JobOptions> options,
    ILogger<JobDispatcher> log) : BackgroundService
{
    private readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Kind);
    private readonly HashSet<long> _inFlight = [];
    private readonly Dictionary<string, List<IJobHandler>> _byConnector = handlers.Where(h => h.Connector is not null)
        .GroupBy(h => h.Connector!).ToDictionary(g => g.Key, g => g.ToList());
    private readonly Lock _gate = new();
    private readonly JobOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(_options.Concurrency);
        var running = new List<Task>();
        var nextPoll = time.GetUtcNow();
        var backlog = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = 0;

            // Jobs this node just committed and pushed: no query needed, and they go before the table's backlog.
            while (signal.TryTake(out var pushed))
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stoppingToken.IsCancellationRequested) break;
                bool claimed;
                lock (_gate) claimed = _inFlight.Add(pushed.Id);
                if (!claimed)
                {
                    slots.Release(); // cannot happen while reservations hold; never run a job twice at once
                    continue;
                }
                running.Add(RunOneAsync(pushed, slots, stoppingToken));
                started++;
            }

            // The table: every PollInterval, when notified of new rows, and again at once while a look found a full batch.
            if (signal.TakePollRequest() || backlog || time.GetUtcNow() >= nextPoll)
            {
                List<Job> due;
                try
                {
                    due = await ClaimDueAsync(_options.Concurrency, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    LogPollFailed(ex);
                    due = [];
                }
                nextPoll = time.GetUtcNow() + _options.PollInterval;
                backlog = due.Count == _options.Concurrency;
                foreach (var job in due)
                {
                    await slots.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (stoppingToken.IsCancellationRequested) break;
                    running.Add(RunOneAsync(job, slots, stoppingToken));
                    started++;
                }
            }
            running.RemoveAll(t => t.IsCompleted);

            if (started == 0)
            {
                var wait = nextPoll - time.GetUtcNow();
                try
                {
                    if (wait > TimeSpan.Zero) await signal.WaitAsync(wait, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task<List<Job>> ClaimDueAsync(int max, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDb>();
        var now = time.GetUtcNow();
        var parked = await ParkJobsWaitingForConnectorsAsync(db, now, ct);
        int skip;
        lock (_gate) skip = _inFlight.Count;
        skip += signal.ReservedCount;
        var candidates = await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Pending && j.RunAt <= now && !parked.Contains(j.Kind))
            .OrderBy(j => j.RunAt).ThenBy(j => j.Id)
            .Take(max + skip)
            .ToListAsync(ct);
        var claimed = new List<Job>(Math.Min(max, candidates.Count));
        lock (_gate)
        {
            foreach (var job in candidates)
            {
                if (claimed.Count == max) break;
                // Reserved: pushed (or about to be) by the write that created it; it runs from there, exactly once.
                if (!signal.IsReserved(job.Id) && _inFlight.Add(job.Id)) claimed.Add(job);
            }
        }
        return claimed;
    }

    /// <summary>
    /// Jobs whose connector is not configured are not run one by one (each would only find that out and write it back):
    /// their kinds are left out of this round's claim, and all that are due are parked for a minute in one write, with one timeline line for each that was not waiting yet,
    /// the same outcome as <see cref="AppApprovals.ApprovalJob"/>'s own check. Saving the connector wakes them.
    /// </summary>
    private async Task<List<string>> ParkJobsWaitingForConnectorsAsync(ConduitDb db, DateTimeOffset now, CancellationToken ct)
    {
        var parked = new List<string>();
        foreach (var group in _byConnector)
        {
            if (await connectors.IsConfiguredAsync(db, group.Key, ct)) continue;
            var kinds = group.Value.Select(h => h.Kind).ToList();
            parked.AddRange(kinds);
            var kindsJson = System.Text.Json.JsonSerializer.Serialize(kinds);
            var note = JobDbExtensions.WaitingFor(group.Key);
            var target = group.Value[0].Target;
            var at = now.ToUnixTimeMilliseconds();
            var until = now + TimeSpan.FromMinutes(1);
            await db.WriteAsync(async (db, c) =>
            {
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO timeline (RequestId, At, "From", "To", Actor, Detail)
                    SELECT RequestId, {at}, NULL, NULL, {target}, {note} FROM jobs
                    WHERE State = 'Pending' AND RunAt <= {at} AND RequestId IS NOT NULL
                      AND Kind IN (SELECT value FROM json_each({kindsJson})) AND (LastError IS NULL OR LastError <> {note})
                    """, c);
                await db.Jobs.Where(j => j.State == JobState.Pending && j.RunAt <= now && kinds.Contains(j.Kind))
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(j => j.RunAt, until)
                        .SetProperty(j => j.Attempts, 0)
                        .SetProperty(j => j.LastError, note), c);
            }, ct);
        }
        return parked; // not claimed this time either: those that became due after the UPDATE wait for the next round
    }

    private async Task RunOneAsync(Job job, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            JobResult result;
            if (!_handlers.TryGetValue(job.Kind, out var handler))
            {
                result = JobResult.Fail($"no handler for job kind '{job.Kind}'");
                handler = null;
            }
            else
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    result = await handler.RunAsync(job, scope.ServiceProvider, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return; // shutting down: the row is still pending and runs again after the restart
                }
                catch (Exception ex)
                {
                    LogHandlerThrew(ex, job.Kind, job.Id);
                    result = JobResult.Retry($"{ex.GetType().Name}: {ex.Message}");
                }
            }

            if (result is not JobResult.CompletedResult)
            {
                await RecordOutcomeAsync(job, handler, result, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The outcome could not be stored (e.g. the database is gone); the row stays as it was and runs again.
            LogOutcomeFailed(ex, job.Kind, job.Id);
        }
        finally
        {
            lock (_gate) _inFlight.Remove(job.Id);
            signal.Done(job.Id); // a pushed job's reservation ends once its outcome is stored
            slots.Release();
        }
    }

    private async Task RecordOutcomeAsync(Job job, IJobHandler? handler, JobResult result, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDb>();
        var now = time.GetUtcNow();
        var target = handler?.Target ?? "hub";
        await db.WriteAsync(async (db, ct) =>
        {
            switch (result)
            {
                case JobResult.RunAgainResult again:
                    Prepared.Execute(db, "UPDATE jobs SET RunAt = $0, Attempts = 0, LastError = $1 WHERE Id = $2",
                        Prepared.Millis(again.At), again.Note, job.Id);
                    // Polling leaves a trace when what it saw changed, not every time it looked.
                    if (job.RequestId is { } polled && again.Note is not null && again.Note != job.LastError)
                    {
                        db.AddTimeline(polled, now, null, null, target, again.Note);
                    }
                    break;

                case JobResult.RetryResult retry when job.Attempts + 1 < _options.MaxAttempts:
                    var delay = BackoffDelay(job.Attempts + 1, retry.RetryAfter);
                    Prepared.Execute(db, "UPDATE jobs SET RunAt = $0, Attempts = $1, LastError = $2 WHERE Id = $3",
                        Prepared.Millis(now + delay), job.Attempts + 1, retry.Reason, job.Id);
                    if (job.RequestId is { } rid)
                    {
                        db.AddTimeline(rid, now, null, null, target,
                            $"{retry.Reason}; attempt {job.Attempts + 1} of {_options.MaxAttempts}, retrying in {Format(delay)}");
                    }
                    break;

                default:
                    var reason = result switch
                    {
                        JobResult.FailResult f => f.Reason,
                        JobResult.RetryResult r => $"{r.Reason}; gave up after {_options.MaxAttempts} attempts",
                        _ => "unknown outcome",
                    };
                    await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s
                        .SetProperty(j => j.State, JobState.Dead)
                        .SetProperty(j => j.Attempts, job.Attempts + 1)
                        .SetProperty(j => j.LastError, reason), ct);
                    if (handler is not null) await handler.OnDeadAsync(db, job, reason, ct);
                    LogDead(job.Kind, job.Id, reason);
                    break;
            }
        }, ct);
    }

    /// <summary>Exponential backoff with full jitter in [base·2^(n-1)/2, base·2^(n-1)], capped; never sooner than Retry-After.</summary>
    internal TimeSpan BackoffDelay(int attempt, TimeSpan? retryAfter)
    {
        var exp = _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exp, _options.RetryMaxDelay.TotalMilliseconds);
        var jittered = capped / 2 + Random.Shared.NextDouble() * capped / 2;
        var delay = TimeSpan.FromMilliseconds(jittered);
        if (retryAfter is { } ra && ra > delay) delay = ra > _options.RetryMaxDelay * 6 ? _options.RetryMaxDelay * 6 : ra;
        return delay;
    }

    private static string Format(TimeSpan t) => t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0} ms" : $"{t.TotalSeconds:0.#} s";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for due jobs failed")]
    private partial void LogPollFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Kind} #{JobId} threw; it will be retried")]
    private partial void LogHandlerThrew(Exception ex, string kind, long jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording the outcome of job {Kind} #{JobId} failed; it stays pending")]
    private partial void LogOutcomeFailed(Exception ex, string kind, long jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Kind} #{JobId} dead-lettered: {Reason}")]
    private partial void LogDead(string kind, long jobId, string reason);
}
