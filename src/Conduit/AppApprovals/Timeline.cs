using Conduit.Storage;

namespace Conduit.AppApprovals;

public static class TimelineDbExtensions
{
    /// <summary>Stages a timeline entry; it commits with the caller's transaction.</summary>
    public static void AddTimeline(this ConduitDb db, Guid requestId, DateTimeOffset at, AppRequestStatus? from, AppRequestStatus? to, string actor, string detail) =>
        db.Timeline.Add(new TimelineEntry
        {
            RequestId = requestId,
            At = at,
            From = from?.ToString(),
            To = to?.ToString(),
            Actor = actor,
            Detail = detail.Length > 2000 ? detail[..2000] : detail,
        });
}
