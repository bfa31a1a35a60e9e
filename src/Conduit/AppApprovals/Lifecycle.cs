using Conduit.Connectors;
using Conduit.Jobs;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;

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
    /// and the guarded UPDATE matching no row means it was not, so the status is read and tried once more.
    /// <paramref name="also"/> sets more columns of the request in the same UPDATE (see <see cref="Set"/>).</summary>
    public async Task<AppRequestStatus?> MoveAsync(
        ConduitDb db, Guid id, IReadOnlyCollection<AppRequestStatus> from, AppRequestStatus to,
        string actor, string detail, DateTimeOffset now, CancellationToken ct,
        IReadOnlyList<Column>? also = null, AppRequestStatus? known = null)
    {
        also ??= [];
        AppRequestStatus? moved = null;
        if (known is { } guess && from.Contains(guess) && Update(guess)) moved = guess;
        if (moved is null)
        {
            var current = await StatusOf(db, id, ct);
            if (current is not { } expected || expected == known || !from.Contains(expected) || !Update(expected)) return null;
            moved = expected;
        }

        db.AddTimeline(id, now, moved, to, actor, detail);
        await QueueNotificationAsync(db, id, to, now, ct);
        return moved;

        // UPDATE … WHERE Id = @id AND Status = @expected, as a prepared statement: one SQL text per set of extra columns.
        bool Update(AppRequestStatus expected)
        {
            var sql = new System.Text.StringBuilder("UPDATE app_requests SET Status = $0, UpdatedAt = $1");
            if (to.IsFinal()) sql.Append(", ActiveKey = NULL");
            var values = new object?[also.Count + 4];
            values[0] = to.ToString();
            values[1] = Prepared.Millis(now);
            for (var i = 0; i < also.Count; i++)
            {
                sql.Append(", ").Append(also[i].Name).Append(" = $").Append(i + 2);
                values[i + 2] = also[i].Value;
            }
            sql.Append(" WHERE Id = $").Append(also.Count + 2).Append(" AND Status = $").Append(also.Count + 3);
            values[also.Count + 2] = Prepared.Text(id);
            values[also.Count + 3] = expected.ToString();
            return Prepared.Execute(db, sql.ToString(), values) == 1;
        }
    }

    /// <summary>A column of app_requests and its new value, stored as the EF Core model stores it.</summary>
    public readonly record struct Column(string Name, object? Value);

    public static Column Set(string column, string? value) => new(column, value);

    public static Column Set(string column, int value) => new(column, value);

    public static Column Set(string column, DateTimeOffset? value) => new(column, value is { } v ? Prepared.Millis(v) : null);

    /// <summary>A request's status, or null when there is no such request (compiled once: transitions and intake use it).</summary>
    internal static readonly Func<ConduitDb, Guid, CancellationToken, Task<AppRequestStatus?>> StatusOf =
        EF.CompileAsyncQuery((ConduitDb db, Guid id, CancellationToken ct) =>
            db.AppRequests.AsNoTracking().Where(r => r.Id == id).Select(r => (AppRequestStatus?)r.Status).FirstOrDefault());

    /// <summary>Queues the Slack message for a transition when a Slack connector is configured.</summary>
    public async Task QueueNotificationAsync(ConduitDb db, Guid id, AppRequestStatus to, DateTimeOffset now, CancellationToken ct)
    {
        if (await connectors.IsSlackConfiguredAsync(db, ct))
        {
            db.EnqueueJob(JobKinds.NotifySlack, id, now, now, to.ToString());
        }
    }
}
