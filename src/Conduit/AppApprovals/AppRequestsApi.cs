using System.Buffers.Text;
using System.Text;
using Conduit.Jobs;
using Conduit.Security;
using Conduit.Storage;
using Conduit.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Conduit.AppApprovals;

/// <summary>Intake and reading of app requests (DESIGN §3.3, §4).</summary>
public static class AppRequestsApi
{
    public static RouteGroupBuilder MapAppRequests(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/app-requests").WithTags("App requests");
        group.MapPost("/", SubmitAsync).RequireAuthorization(ApiKeyPolicies.Intake)
            .Accepts<object>("application/json")
            .Produces<AppRequestSummary>(StatusCodes.Status202Accepted)
            .Produces<AppRequestSummary>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem();
        group.MapGet("/", ListAsync).RequireAuthorization(ApiKeyPolicies.Admin);
        group.MapGet("/{requestId:guid}", GetAsync).RequireAuthorization(ApiKeyPolicies.Intake);
        return group;
    }

    /// <summary>POST /api/v1/app-requests: stored (with its ServiceNow and expiry jobs) before the 202 is sent.</summary>
    public static async Task<IResult> SubmitAsync(HttpRequest http, ConduitDb db, Lifecycle lifecycle, TimeProvider time,
        IOptions<AppApprovalOptions> options, JobSignal signal)
    {
        var (doc, problem) = await JsonBody.ReadAsync(http);
        if (problem is not null) return problem;
        using var _ = doc;
        var (intake, errors) = IntakeParser.Parse(doc!.RootElement);
        if (intake is null) return Results.ValidationProblem(errors, title: "The app request is not valid");

        // From here on the client's disconnect must not stop the write it asked for.
        var ct = CancellationToken.None;
        if (await ExistingOrConflictAsync(db, intake, ct) is { } earlier) return earlier;

        var now = time.GetUtcNow();
        var id = intake.RequestId ?? Guid.CreateVersion7(now);
        var request = new AppRequest
        {
            Id = id,
            Status = AppRequestStatus.Submitted,
            ActiveKey = AppRequest.ActiveKeyFor(intake.UserId, intake.DeviceId, intake.AppId),
            UserId = intake.UserId, UserName = intake.UserName, FirstName = intake.FirstName, LastName = intake.LastName, Email = intake.Email,
            Domain = intake.Domain,
            DeviceId = intake.DeviceId, DeviceName = intake.DeviceName, DeviceUdid = intake.DeviceUdid, DevicePlatform = intake.DevicePlatform,
            Notes = intake.Notes,
            AppId = intake.AppId, AppName = intake.AppName, AppCategoriesJson = intake.CategoriesJson,
            PackageId = intake.PackageId, AppVersion = intake.AppVersion, AppPlatform = intake.AppPlatform,
            CreatedAt = now, UpdatedAt = now, DueDate = now + options.Value.ApprovalTimeout,
        };
        var submitted = $"{intake.UserName} asked for {intake.AppName} on device {intake.DeviceId}; due {request.DueDate:u}";
        using var push = signal.AfterCommit();
        try
        {
            await db.WriteAsync(async (db, c) =>
            {
                db.InsertAppRequest(request);
                db.AddTimeline(id, now, null, AppRequestStatus.Submitted, "intake", submitted);
                push.Add(db.EnqueueJob(JobKinds.CreateTicket, id, now, now));
                await lifecycle.QueueNotificationAsync(db, id, AppRequestStatus.Submitted, now, c);
            }, ct);
        }
        catch (DbUpdateException)
        {
            // Lost a race with an identical submission (same RequestId or same user+device+app): answer as if we had seen it first.
            if (await ExistingOrConflictAsync(db, intake, ct) is { } raced) return raced;
            throw;
        }

        push.Send(); // the ticket job goes to the dispatcher directly
        return TypedResults.Accepted($"/api/v1/app-requests/{id}", AppRequestSummary.From(id, request.Status));
    }

    private static async Task<IResult?> ExistingOrConflictAsync(ConduitDb db, IntakeRequest intake, CancellationToken ct)
    {
        if (intake.RequestId is { } rid && await Lifecycle.StatusOf(db, rid, ct) is { } status)
        {
            return TypedResults.Ok(AppRequestSummary.From(rid, status));
        }

        var key = AppRequest.ActiveKeyFor(intake.UserId, intake.DeviceId, intake.AppId);
        var active = await ActiveFor(db, key, ct);
        if (active is null) return null;
        return Results.Problem(statusCode: StatusCodes.Status409Conflict,
            title: "An active request already exists",
            detail: $"User {intake.UserId} already has an active request ({active.Id}, {active.Status}) for app {intake.AppId} on device {intake.DeviceId}.",
            extensions: new Dictionary<string, object?> { ["requestId"] = active.Id, ["requestStatus"] = active.Status.ToString() });
    }

    // Compiled once: intake runs these on every request.
    private static readonly Func<ConduitDb, string, CancellationToken, Task<ActiveRequest?>> ActiveFor =
        EF.CompileAsyncQuery((ConduitDb db, string key, CancellationToken ct) =>
            db.AppRequests.AsNoTracking().Where(r => r.ActiveKey == key).Select(r => new ActiveRequest(r.Id, r.Status)).FirstOrDefault());

    private sealed record ActiveRequest(Guid Id, AppRequestStatus Status);

    /// <summary>GET /api/v1/app-requests/{id}: the request, its ticket and its timeline.</summary>
    public static async Task<Results<Ok<AppRequestView>, ProblemHttpResult>> GetAsync(Guid requestId, ConduitDb db, CancellationToken ct)
    {
        var request = await db.AppRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such app request", detail: $"No request has id {requestId}.");
        }
        var timeline = await db.Timeline.AsNoTracking().Where(t => t.RequestId == requestId).OrderBy(t => t.Id).ToListAsync(ct);
        return TypedResults.Ok(AppRequestView.From(request, timeline));
    }

    /// <summary>A page of requests, newest first, with an opaque cursor for the next page (keyset paging).</summary>
    public sealed record Page(IReadOnlyList<AppRequestView> Items, string? NextCursor);

    /// <summary>GET /api/v1/app-requests?status=&amp;userId=&amp;deviceId=&amp;appId=&amp;cursor=&amp;limit=</summary>
    public static async Task<Results<Ok<Page>, ProblemHttpResult>> ListAsync(ConduitDb db, CancellationToken ct,
        string? status = null, string? userId = null, long? deviceId = null, string? appId = null, string? cursor = null, int limit = 50)
    {
        if (limit is < 1 or > 500)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid limit", detail: "limit must be between 1 and 500.");
        }
        var query = db.AppRequests.AsNoTracking();
        if (status is not null)
        {
            if (!Enum.TryParse<AppRequestStatus>(status, ignoreCase: true, out var s) || int.TryParse(status, out _))
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid status",
                    detail: $"status must be one of {string.Join(", ", Enum.GetNames<AppRequestStatus>())}.");
            }
            query = query.Where(r => r.Status == s);
        }
        if (userId is not null) query = query.Where(r => r.UserId == userId);
        if (deviceId is not null) query = query.Where(r => r.DeviceId == deviceId);
        if (appId is not null) query = query.Where(r => r.AppId == appId);
        if (cursor is not null)
        {
            if (!TryDecodeCursor(cursor, out var at, out var afterId))
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid cursor", detail: "Use the nextCursor value of a previous page.");
            }
            query = query.Where(r => r.CreatedAt < at || (r.CreatedAt == at && r.Id.CompareTo(afterId) < 0));
        }
        var rows = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(limit + 1).ToListAsync(ct);
        var next = rows.Count > limit ? EncodeCursor(rows[limit - 1]) : null;
        return TypedResults.Ok(new Page(rows.Take(limit).Select(r => AppRequestView.From(r, null)).ToList(), next));
    }

    private static string EncodeCursor(AppRequest last) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{last.CreatedAt.ToUnixTimeMilliseconds()}:{last.Id:N}"));

    private static bool TryDecodeCursor(string cursor, out DateTimeOffset at, out Guid id)
    {
        at = default;
        id = default;
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split(':');
            if (parts.Length != 2 || !long.TryParse(parts[0], out var ms) || !Guid.TryParseExact(parts[1], "N", out id)) return false;
            at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
