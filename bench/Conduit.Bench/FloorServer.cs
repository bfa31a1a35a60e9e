using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conduit.Bench;

/// <summary>
/// The floor for intake: a bare minimal-API endpoint in the bench process (Kestrel on loopback) that parses the
/// same JSON body and does the equivalent durable write with Microsoft.Data.Sqlite — one app_requests row, one
/// jobs row and one timeline row in one transaction, WAL, synchronous=NORMAL, busy_timeout as the hub sets them,
/// into a database whose schema is created by the hub's own `migrate` (same tables, same indexes).
/// No EF Core, no validation problem details, no auth, no duplicate check: what is left is the cost of the write.
/// </summary>
public sealed class FloorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _connectionString;

    private FloorServer(WebApplication app, string connectionString, Uri baseUrl)
    {
        _app = app;
        _connectionString = connectionString;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static async Task<FloorServer> StartAsync(string dataDir, CancellationToken ct)
    {
        await HubProcess.MigrateAsync(dataDir, ct);
        var cs = new SqliteConnectionStringBuilder(HubProcess.ConnectionString(dataDir)) { Pooling = true }.ToString();
        await using (var setup = new SqliteConnection(cs))
        {
            await setup.OpenAsync(ct);
            await using var wal = setup.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            await wal.ExecuteNonQueryAsync(ct);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FloorServer? floor = null;
        app.MapPost("/api/v1/app-requests", (HttpRequest request) => floor!.SubmitAsync(request));
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        floor = new FloorServer(app, cs, new Uri(address));
        return floor;
    }

    private async Task<IResult> SubmitAsync(HttpRequest request)
    {
        using var doc = await JsonDocument.ParseAsync(request.Body);
        var root = doc.RootElement;
        var user = root.GetProperty("RequestFor");
        var attrs = user.GetProperty("UserAttributes");
        var device = root.GetProperty("DeviceProperties");
        var item = root.GetProperty("CatalogItem");
        var props = item.GetProperty("Properties");
        var userId = user.GetProperty("UserId").GetString()!;
        var deviceId = root.GetProperty("DeviceId").GetInt64();
        var appId = item.GetProperty("Id").GetString()!;
        var appName = item.GetProperty("Name").GetString()!;
        var userName = attrs.GetProperty("user_name").GetString()!;

        var now = DateTimeOffset.UtcNow;
        var ms = now.ToUnixTimeMilliseconds();
        var due = now.AddDays(14).ToUnixTimeMilliseconds();
        var id = Guid.CreateVersion7(now).ToString().ToUpperInvariant();

        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=60000; PRAGMA temp_store=MEMORY;";
            await pragmas.ExecuteNonQueryAsync();
        }
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO app_requests (Id, Status, ActiveKey, UserId, UserName, FirstName, LastName, Email, Domain, DeviceId, DeviceName,
                    DeviceUdid, DevicePlatform, AppId, AppName, AppCategoriesJson, PackageId, AppVersion, AppPlatform, Notes,
                    CreatedAt, UpdatedAt, DueDate, InstallAttempts)
                VALUES ($id, 'Submitted', $key, $user, $userName, $first, $last, $email, $domain, $device, $deviceName,
                    $udid, $platform, $app, $appName, NULL, $package, $version, $appPlatform, $notes, $now, $now, $due, 0);
                INSERT INTO jobs (Kind, RequestId, Payload, State, RunAt, Attempts, CreatedAt)
                VALUES ('servicenow.create-ticket', $id, NULL, 'Pending', $now, 0, $now);
                INSERT INTO timeline (RequestId, At, "From", "To", Actor, Detail)
                VALUES ($id, $now, NULL, 'Submitted', 'intake', $detail);
                """;
            var p = insert.Parameters;
            p.AddWithValue("$id", id);
            p.AddWithValue("$key", $"{userId}|{deviceId}|{appId}");
            p.AddWithValue("$user", userId);
            p.AddWithValue("$userName", userName);
            p.AddWithValue("$first", (object?)attrs.GetProperty("first_name").GetString() ?? DBNull.Value);
            p.AddWithValue("$last", (object?)attrs.GetProperty("last_name").GetString() ?? DBNull.Value);
            p.AddWithValue("$email", (object?)attrs.GetProperty("email").GetString() ?? DBNull.Value);
            p.AddWithValue("$domain", (object?)root.GetProperty("Domain").GetString() ?? DBNull.Value);
            p.AddWithValue("$device", deviceId);
            p.AddWithValue("$deviceName", (object?)device.GetProperty("name").GetString() ?? DBNull.Value);
            p.AddWithValue("$udid", (object?)device.GetProperty("device_udid").GetString() ?? DBNull.Value);
            p.AddWithValue("$platform", (object?)device.GetProperty("platform").GetString() ?? DBNull.Value);
            p.AddWithValue("$app", appId);
            p.AddWithValue("$appName", appName);
            p.AddWithValue("$package", (object?)props.GetProperty("package_id").GetString() ?? DBNull.Value);
            p.AddWithValue("$version", (object?)props.GetProperty("version").GetString() ?? DBNull.Value);
            p.AddWithValue("$appPlatform", (object?)props.GetProperty("platform").GetString() ?? DBNull.Value);
            p.AddWithValue("$notes", (object?)root.GetProperty("Notes").GetString() ?? DBNull.Value);
            p.AddWithValue("$now", ms);
            p.AddWithValue("$due", due);
            p.AddWithValue("$detail", $"{userName} asked for {appName} on device {deviceId}");
            await insert.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return Results.Json(new { requestId = id, status = "Submitted" }, statusCode: StatusCodes.Status202Accepted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}
