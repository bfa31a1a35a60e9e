using Conduit.Jobs;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Conduit.AppApprovals;

/// <summary>
/// No decision by DueDate → Expired. Each request's expiry is a durable `approval.expire` job written with the
/// request; this sweeper takes due ones in batches and expires them set-based — one guarded UPDATE, their timeline
/// entries and the removal of their jobs in one transaction per batch — because a backlog of 100,000 due requests
/// one job at a time took minutes (docs/benchmarks.md).
/// </summary>
public sealed partial class ExpirySweeper(IServiceScopeFactory scopes, Lifecycle lifecycle, TimeProvider time, IOptions<JobOptions> options,
    ILogger<ExpirySweeper> log) : BackgroundService
{
    public const int BatchSize = 500;
    private static readonly AppRequestStatus[] Undecided = [AppRequestStatus.Submitted, AppRequestStatus.PendingApproval];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int swept;
            try
            {
                swept = await SweepOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogSweepFailed(ex);
                swept = 0;
            }
            if (swept < BatchSize)
            {
                await Task.Delay(options.Value.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Expires up to one batch of due requests; returns how many expiry jobs it settled.</summary>
    internal async Task<int> SweepOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDb>();
        var now = time.GetUtcNow();
        var expired = 0;
        var settled = await db.WriteTransactionAsync(async c =>
        {
            var due = await db.Jobs.AsNoTracking()
                .Where(j => j.Kind == JobKinds.Expire && j.State == JobState.Pending && j.RunAt <= now)
                .OrderBy(j => j.RunAt)
                .Select(j => new { j.Id, j.RequestId })
                .Take(BatchSize)
                .ToListAsync(c);
            if (due.Count == 0) return 0;

            var requestIds = due.Where(d => d.RequestId is not null).Select(d => d.RequestId!.Value).ToList();
            // Read and update inside the write turn: nothing else writes in between, so what is read is what moves.
            var undecided = await db.AppRequests.AsNoTracking()
                .Where(r => requestIds.Contains(r.Id) && Undecided.Contains(r.Status))
                .Select(r => new { r.Id, r.Status })
                .ToListAsync(c);
            if (undecided.Count > 0)
            {
                var ids = undecided.Select(u => u.Id).ToList();
                expired = await db.AppRequests
                    .Where(r => ids.Contains(r.Id) && Undecided.Contains(r.Status))
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(r => r.Status, AppRequestStatus.Expired)
                        .SetProperty(r => r.UpdatedAt, now)
                        .SetProperty(r => r.ActiveKey, (string?)null), c);
                foreach (var u in undecided)
                {
                    db.AddTimeline(u.Id, now, u.Status, AppRequestStatus.Expired, "hub", "no decision by the due date");
                    await lifecycle.QueueNotificationAsync(db, u.Id, AppRequestStatus.Expired, now, c);
                }
                // An undelivered ticket creation must not run after expiry.
                await db.Jobs.Where(j => j.Kind == JobKinds.CreateTicket && j.RequestId != null && ids.Contains(j.RequestId.Value)).ExecuteDeleteAsync(c);
            }
            var jobIds = due.Select(d => d.Id).ToList();
            await db.Jobs.Where(j => jobIds.Contains(j.Id)).ExecuteDeleteAsync(c);
            return due.Count;
        }, ct);
        if (expired > 0) LogExpired(expired);
        return settled;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Count} requests that had no decision by their due date")]
    private partial void LogExpired(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The expiry sweep failed; it runs again shortly")]
    private partial void LogSweepFailed(Exception ex);
}
