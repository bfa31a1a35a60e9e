using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Conduit.Bench;

/// <summary>
/// Bulk-seeds app_requests and their timelines straight into a database that `conduit migrate` created, before the hub
/// starts. Columns follow src/Conduit/Storage/Migrations/*_Initial.cs: GUIDs as upper-case text (as EF Core writes
/// them), statuses as their names, instants as Unix milliseconds, ActiveKey "user|device|app" while active, NULL once final.
/// Layout over CreatedAt (oldest first, 400 days back to a minute ago):
///  - newest (created in the last 13 days): PendingApproval, not yet due (the hub schedules expiry by DueDate);
///  - <c>due</c> rows spread evenly over the older ones: PendingApproval, all due at one instant a few seconds after the
///    seeding (<see cref="Seeded.DueAtMs"/>, <c>dueIn</c> after the commit), so that the sweep is timed on a running hub;
///  - the rest final: Installed 60 %, Rejected 20 %, Expired 10 %, Error 10 %.
/// </summary>
public static class Seeder
{
    public sealed record Seeded(int Rows, int Due, int Pending, long TimelineRows, long SeededAtMs, long DueAtMs, string[] SampleIds, string[] SampleUsers, TimeSpan Took);

    private static readonly string[] Final = ["Installed", "Installed", "Installed", "Installed", "Installed", "Installed", "Rejected", "Rejected", "Expired", "Error"];
    private static readonly (string Id, string Name, string Type, string Package, string Version)[] Apps =
    [
        ("101", "Adobe Acrobat Pro", "Internal", "{AC76BA86-1033-1033-7760-BC15014EA700}", "24.4.20220"),
        ("102", "Autodesk AutoCAD", "Internal", "{28B89EEF-8101-0409-2102-CF3F3A09B77D}", "25.0.58.0"),
        ("201", "Microsoft Visio", "Public", "{90160000-0051-0000-1000-0000000FF1CE}", "16.0.17928.20156"),
        ("301", "Tableau Desktop", "Purchased", "{12345A78-40C1-2702-0000-000004000000}", "2024.2.0"),
    ];

    public static Seeded Seed(string dataDir, int rows, int due, TimeSpan dueIn, Action<string> progress)
    {
        var clock = Stopwatch.StartNew();
        using var connection = new SqliteConnection(HubProcess.ConnectionString(dataDir) + ";Pooling=False");
        connection.Open();
        Exec(connection, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;");

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        const long day = 86_400_000;
        var first = now - 400 * day;
        var span = now - 60_000 - first;
        var recentFrom = now - 13 * day; // recent pending requests are a day or more from their due date: none falls due during the run
        var users = Math.Max(1, rows / 50);
        var olderRows = (int)((double)(recentFrom - first) / span * rows);
        if (due > olderRows) throw new ArgumentOutOfRangeException(nameof(due), due, $"at most {olderRows} of {rows} rows are old enough to be due");
        var stride = Math.Max(1, olderRows / Math.Max(1, due));
        var notYet = now + 365 * day; // the due rows' DueDate until the end of the seeding (see below)

        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO app_requests (Id, Status, ActiveKey, UserId, UserName, FirstName, LastName, Email, Domain, DeviceId, DeviceName,
                DeviceUdid, DevicePlatform, DeviceUuid, AppId, AppName, AppCategoriesJson, PackageId, AppVersion, AppPlatform, AppType, Notes,
                CreatedAt, UpdatedAt, DueDate, TicketNumber, TicketSysId, Decision, DecidedBy, DecisionNotes, DecidedAt, InstallAttempts, ErrorReason)
            VALUES ($id, $status, $key, $user, $userName, 'Bench', 'Seed', $email, 'ACME', $device, $deviceName,
                $udid, 'Windows 10', NULL, $app, $appName, NULL, $package, $version, 'WinRT', $appType, 'Need it for the Q3 budget',
                $created, $updated, $due, $ticket, $sysId, $decision, $decidedBy, NULL, $decidedAt, $attempts, $error);
            """;
        var p = new Dictionary<string, SqliteParameter>();
        foreach (var name in new[] { "id", "status", "key", "user", "userName", "email", "device", "deviceName", "udid", "app", "appName", "package",
                     "version", "appType", "created", "updated", "due", "ticket", "sysId", "decision", "decidedBy", "decidedAt", "attempts", "error" })
        {
            p[name] = insert.Parameters.Add(new SqliteParameter("$" + name, null));
        }
        insert.Prepare();

        // Each request's timeline as the hub writes it along the way (AppRequestsApi, ApprovalJobs, Lifecycle): 3 entries
        // for a request waiting for its decision, 4–6 for a finished one (~5.2 per request over the layout below).
        using var timeline = connection.CreateCommand();
        timeline.Transaction = tx;
        timeline.CommandText = """INSERT INTO timeline (RequestId, At, "From", "To", Actor, Detail) VALUES ($rid, $at, $from, $to, $actor, $detail);""";
        var t = new Dictionary<string, SqliteParameter>();
        foreach (var name in new[] { "rid", "at", "from", "to", "actor", "detail" }) t[name] = timeline.Parameters.Add(new SqliteParameter("$" + name, null));
        timeline.Prepare();
        long timelineRows = 0;
        void Line(string rid, long at, string? from, string? to, string actor, string detail)
        {
            t["rid"].Value = rid;
            t["at"].Value = at;
            t["from"].Value = (object?)from ?? DBNull.Value;
            t["to"].Value = (object?)to ?? DBNull.Value;
            t["actor"].Value = actor;
            t["detail"].Value = detail;
            timeline.ExecuteNonQuery();
            timelineRows++;
        }

        var samples = new List<string>();
        var sampleUsers = new List<string>();
        int dueSeeded = 0, pending = 0;
        for (var i = 0; i < rows; i++)
        {
            var created = first + (long)((double)i / rows * span);
            var id = Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(created)).ToString().ToUpperInvariant();
            var user = ((i % users) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var app = Apps[i % Apps.Length];
            var device = i + 1L;
            var dueDate = created + 14 * day;
            string status;
            if (created >= recentFrom) { status = "PendingApproval"; pending++; }
            else if (i % stride == 0 && dueSeeded < due) { status = "PendingApproval"; dueSeeded++; dueDate = notYet; }
            else status = Final[i % Final.Length];
            var active = status == "PendingApproval";
            var decided = status is "Installed" or "Rejected";

            p["id"].Value = id;
            p["status"].Value = status;
            p["key"].Value = active ? $"{user}|{device}|{app.Id}" : DBNull.Value;
            p["user"].Value = user;
            p["userName"].Value = "user" + user;
            p["email"].Value = $"user{user}@example.com";
            p["device"].Value = device;
            p["deviceName"].Value = $"WIN-LAPTOP-{device:D6}";
            p["udid"].Value = device.ToString("X32", System.Globalization.CultureInfo.InvariantCulture);
            p["app"].Value = app.Id;
            p["appName"].Value = app.Name;
            p["package"].Value = app.Package;
            p["version"].Value = app.Version;
            p["appType"].Value = status == "Installed" ? app.Type : DBNull.Value;
            p["created"].Value = created;
            p["updated"].Value = active ? created + 1_000 : Math.Min(created + 3_600_000, now);
            p["due"].Value = dueDate;
            var ticket = $"REQ{i + 1_000_000:D7}";
            p["ticket"].Value = ticket;
            p["sysId"].Value = id.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
            p["decision"].Value = decided ? (status == "Installed" ? "APPROVED" : "REJECTED") : DBNull.Value;
            p["decidedBy"].Value = decided ? "approver.admin" : DBNull.Value;
            p["decidedAt"].Value = decided ? created + 1_800_000 : DBNull.Value;
            p["attempts"].Value = status == "Installed" ? 1 : 0;
            p["error"].Value = status == "Error" ? "UEM reports the install failed (InstallCommandFailed)" : DBNull.Value;
            insert.ExecuteNonQuery();

            Line(id, created, null, "Submitted", "intake", $"user{user} asked for {app.Name} on device {device}; due {DateTimeOffset.FromUnixTimeMilliseconds(created + 14 * day):u}");
            Line(id, created + 800, "Submitted", "PendingApproval", "servicenow", $"ticket {ticket} created");
            Line(id, created + 800, null, null, "servicenow", $"ticket {ticket} created (201)");
            var decidedAt = created + 1_800_000;
            switch (status)
            {
                case "Installed" or "Error":
                    Line(id, decidedAt, "PendingApproval", "Approved", "ServiceNow (approver.admin)", "approved");
                    Line(id, decidedAt + 500, "Approved", "InstallCommandDispatched", "uem", $"install command sent for app {app.Id} to device {device}");
                    Line(id, decidedAt + 3_600_000, "InstallCommandDispatched", status, "uem",
                        status == "Installed" ? "installed_status Installed" : "UEM reports the install failed (InstallCommandFailed)");
                    break;
                case "Rejected":
                    Line(id, decidedAt, "PendingApproval", "Rejected", "ServiceNow (approver.admin)", "rejected");
                    break;
                case "Expired":
                    Line(id, created + 14 * day, "PendingApproval", "Expired", "hub", "no decision by the due date");
                    break;
            }
            if (i % 997 == 0) samples.Add(id);
            if (i % 1009 == 0) sampleUsers.Add(user);
            if (i % 50_000 == 0) progress($"seed: {i,9}/{rows} rows  {clock.Elapsed.TotalSeconds,5:0} s");
        }
        progress($"seed: {rows,9}/{rows} rows  {clock.Elapsed.TotalSeconds,5:0} s, committing");
        // The due rows fall due together, dueIn from now: the hub starts and settles first, then sweeps them.
        var dueAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)dueIn.TotalMilliseconds;
        using (var setDue = connection.CreateCommand())
        {
            setDue.Transaction = tx;
            setDue.CommandText = "UPDATE app_requests SET DueDate = $at WHERE Status = 'PendingApproval' AND DueDate = $notYet;";
            setDue.Parameters.AddWithValue("$at", dueAt);
            setDue.Parameters.AddWithValue("$notYet", notYet);
            if (setDue.ExecuteNonQuery() != dueSeeded) throw new InvalidOperationException("the due rows did not all get their due date");
        }
        tx.Commit();
        // Back to what the hub expects of the file: WAL (persistent). No ANALYZE: the hub's own files have no statistics either.
        Exec(connection, "PRAGMA journal_mode=WAL;");
        return new Seeded(rows, dueSeeded, pending, timelineRows, now, dueAt, [.. samples], [.. sampleUsers], clock.Elapsed);
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
