using Conduit.Storage;

namespace Conduit.AppApprovals;

public static class TimelineDbExtensions
{
    /// <summary>Writes a timeline entry in the current write (<see cref="WriteGate"/>); it commits with the rest of it.</summary>
    public static void AddTimeline(this ConduitDb db, Guid requestId, DateTimeOffset at, AppRequestStatus? from, AppRequestStatus? to, string actor, string detail) =>
        Prepared.Execute(db, """INSERT INTO timeline (RequestId, At, "From", "To", Actor, Detail) VALUES ($0, $1, $2, $3, $4, $5)""",
            Prepared.Text(requestId), Prepared.Millis(at), from?.ToString(), to?.ToString(), actor, detail.Length > 2000 ? detail[..2000] : detail);
}
