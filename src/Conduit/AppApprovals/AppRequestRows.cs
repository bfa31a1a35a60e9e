using Conduit.Storage;

namespace Conduit.AppApprovals;

public static class AppRequestDbExtensions
{
    private const string Insert = """
        INSERT INTO app_requests (Id, Status, ActiveKey, UserId, UserName, FirstName, LastName, Email, Domain, DeviceId, DeviceName,
            DeviceUdid, DevicePlatform, DeviceUuid, AppId, AppName, AppCategoriesJson, PackageId, AppVersion, AppPlatform, AppType, Notes,
            CreatedAt, UpdatedAt, DueDate, TicketNumber, TicketSysId, Decision, DecidedBy, DecisionNotes, DecidedAt, InstallAttempts, ErrorReason)
        VALUES ($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25,
            $26, $27, $28, $29, $30, $31, $32)
        """;

    /// <summary>Writes a new request in the current write (<see cref="WriteGate"/>). A duplicate id or active key throws
    /// <see cref="Microsoft.EntityFrameworkCore.DbUpdateException"/>, as SaveChanges would.</summary>
    public static void InsertAppRequest(this ConduitDb db, AppRequest r)
    {
        try
        {
            Prepared.Execute(db, Insert, Prepared.Text(r.Id), r.Status.ToString(), r.ActiveKey, r.UserId, r.UserName, r.FirstName, r.LastName,
                r.Email, r.Domain, r.DeviceId, r.DeviceName, r.DeviceUdid, r.DevicePlatform, r.DeviceUuid, r.AppId, r.AppName, r.AppCategoriesJson,
                r.PackageId, r.AppVersion, r.AppPlatform, r.AppType, r.Notes, Prepared.Millis(r.CreatedAt), Prepared.Millis(r.UpdatedAt),
                Prepared.Millis(r.DueDate), r.TicketNumber, r.TicketSysId, r.Decision, r.DecidedBy, r.DecisionNotes,
                r.DecidedAt is { } at ? Prepared.Millis(at) : null, r.InstallAttempts, r.ErrorReason);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT
        {
            throw new Microsoft.EntityFrameworkCore.DbUpdateException($"app request {r.Id} conflicts with a stored one: {e.Message}", e);
        }
    }
}
