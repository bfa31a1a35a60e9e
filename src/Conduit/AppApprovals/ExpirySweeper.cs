using Conduit.Jobs;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Conduit.AppApprovals;

/// <summary>
/// No decision by DueDate → Expired. The schedule is the request row itself (its DueDate, indexed with its status),
/// so it is as durable as the request and costs no job row. The sweeper takes due requests in batches and expires
/// them set-based — one guarded UPDATE and their timeline entries in one transaction per batch — because a backlog
/// of 100,000 due requests one at a time took minutes (docs/benchmarks.md).
/// </summary>
public sealed partial class ExpirySweeper(IServiceScopeFactory scopes, Lifecycle lifecycle, TimeProvider time, IOptions<JobOptions> options,
    ILogger<ExpirySweeper> log) : BackgroundService
{
    public const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var swept = await SweepOnceAsync(stoppingToken);
                // A full batch: more may be due, go on at once. Otherwise sleep until the next look.
                wait = swept < BatchSize ? await UntilNextLookAsync(sweptSome: swept > 0, stoppingToken) : TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogSweepFailed(ex);
                wait = options.Value.PollInterval;
            }
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Expires up to one batch of due requests; returns how many it expired.</summary>
    internal async Task<int> SweepOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDb>();
        var now = time.GetUtcNow();
        var expired = 0;
        var settled = await db.WriteAsync(async (db, c) =>
        {
            // Read and update inside the write turn: nothing else writes in between, so what is read is what moves.
            // Literal statuses, so that SQLite sees the partial index's condition (IX_app_requests_DueDate_Undecided) in the
            // query. No ORDER BY: every due row goes anyway, and sorting the whole backlog for each batch made the sweep quadratic.
            var at = Prepared.Millis(now);
            var due = await db.Database.SqlQuery<Guid>($"""
                SELECT Id AS Value FROM app_requests INDEXED BY IX_app_requests_DueDate_Undecided
                WHERE Status IN ('Submitted', 'PendingApproval') AND DueDate <= {at}
                LIMIT {BatchSize}
                """).ToListAsync(c);
            if (due.Count == 0) return 0;

            // One INSERT … SELECT for the batch's timeline entries (status before the update), instead of one tracked entity each.
            var idsJson = System.Text.Json.JsonSerializer.Serialize(due.Select(Prepared.Text));
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO timeline (RequestId, At, "From", "To", Actor, Detail)
                SELECT Id, {at}, Status, 'Expired', 'hub', 'no decision by the due date'
                FROM app_requests WHERE Id IN (SELECT value FROM json_each({idsJson}))
                """, c);
            // By id only: a status condition here made SQLite scan the status index for every batch. The ids were read as
            // undecided in this same write turn, so the guard holds. (PostgreSQL, with several writers, will lock them on read.)
            // The ids as one JSON parameter: EF Core 10 sends a list as one parameter per element, and binding 1,000 named
            // parameters costs SQLite a name lookup each (most of the sweep's time in the profile, docs/benchmarks.md).
            expired = await db.Database.ExecuteSqlAsync($"""
                UPDATE app_requests SET Status = 'Expired', UpdatedAt = {at}, ActiveKey = NULL
                WHERE Id IN (SELECT value FROM json_each({idsJson}))
                """, c);
            foreach (var id in due) await lifecycle.QueueNotificationAsync(db, id, AppRequestStatus.Expired, now, c);
            // An undelivered ticket creation must not run after expiry.
            await db.Database.ExecuteSqlAsync($"""
                DELETE FROM jobs WHERE Kind = {JobKinds.CreateTicket} AND RequestId IN (SELECT value FROM json_each({idsJson}))
                """, c);
            return due.Count;
        }, ct);
        if (expired > 0) LogExpired(expired);
        return settled;
    }

    /// <summary>How long to sleep: PollInterval, or less when the next undecided request falls due sooner, so that a
    /// request expires at its due date rather than up to a PollInterval after it (one look at the first entry of the
    /// expiry index).</summary>
    internal async Task<TimeSpan> UntilNextLookAsync(bool sweptSome, CancellationToken ct)
    {
        var poll = options.Value.PollInterval;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDb>();
        var next = await db.Database.SqlQuery<long?>($"""
            SELECT MIN(DueDate) AS Value FROM app_requests INDEXED BY IX_app_requests_DueDate_Undecided
            WHERE Status IN ('Submitted', 'PendingApproval')
            """).SingleAsync(ct);
        if (next is not { } due) return poll;
        var wait = DateTimeOffset.FromUnixTimeMilliseconds(due) - time.GetUtcNow();
        if (wait > TimeSpan.Zero) return wait < poll ? wait : poll;
        // Already due: it fell due since the sweep looked, so look again at once — unless that sweep found nothing due
        // at all, which should not be; then the interval, so that nothing can spin.
        return sweptSome ? TimeSpan.FromMilliseconds(1) : poll;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Count} requests that had no decision by their due date")]
    private partial void LogExpired(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The expiry sweep failed; it runs again shortly")]
    private partial void LogSweepFailed(Exception ex);
}
