using Conduit.Connectors;
using Conduit.Jobs;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace Conduit.AppApprovals;

/// <summary>
/// Moves a request from one status to another. The move is guarded in the database
/// (UPDATE … WHERE id = @id AND status = @expected), and its timeline entry and Slack message job are staged
/// in the same unit of work, so the caller's transaction commits all of them or none.
/// </summary>
public sealed class Lifecycle(ConnectorStore connectors)
{
    /// <summary>Returns the status the request left, or null when it was not in one of <paramref name="from"/>.
    /// <paramref name="known"/> is the status the caller last read: tried first, it saves a read when it is still true,
    /// and the guarded UPDATE matching no row means it was not, so the status is read and tried once more.</summary>
    public async Task<AppRequestStatus?> MoveAsync(
        ConduitDb db, Guid id, IReadOnlyCollection<AppRequestStatus> from, AppRequestStatus to,
        string actor, string detail, DateTimeOffset now, CancellationToken ct,
        Action<UpdateSettersBuilder<AppRequest>>? also = null, AppRequestStatus? known = null)
    {
        AppRequestStatus? moved = null;
        if (known is { } guess && from.Contains(guess) && await UpdateAsync(guess)) moved = guess;
        if (moved is null)
        {
            var current = await StatusOf(db, id, ct);
            if (current is not { } expected || expected == known || !from.Contains(expected) || !await UpdateAsync(expected)) return null;
            moved = expected;
        }

        db.AddTimeline(id, now, moved, to, actor, detail);
        await QueueNotificationAsync(db, id, to, now, ct);
        return moved;

        async Task<bool> UpdateAsync(AppRequestStatus expected) =>
            await db.AppRequests
                .Where(r => r.Id == id && r.Status == expected)
                .ExecuteUpdateAsync(s =>
                {
                    s.SetProperty(r => r.Status, to);
                    s.SetProperty(r => r.UpdatedAt, now);
                    if (to.IsFinal()) s.SetProperty(r => r.ActiveKey, (string?)null);
                    also?.Invoke(s);
                }, ct) == 1;
    }

    private static readonly Func<ConduitDb, Guid, CancellationToken, Task<AppRequestStatus?>> StatusOf =
        EF.CompileAsyncQuery((ConduitDb db, Guid id, CancellationToken ct) => db.AppRequests.Where(r => r.Id == id).Select(r => (AppRequestStatus?)r.Status).FirstOrDefault());

    /// <summary>Queues the Slack message for a transition when a Slack connector is configured.</summary>
    public async Task QueueNotificationAsync(ConduitDb db, Guid id, AppRequestStatus to, DateTimeOffset now, CancellationToken ct)
    {
        if (await connectors.IsSlackConfiguredAsync(db, ct))
        {
            db.EnqueueJob(JobKinds.NotifySlack, id, now, now, to.ToString());
        }
    }
}
