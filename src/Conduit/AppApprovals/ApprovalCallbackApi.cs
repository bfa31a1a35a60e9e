using System.Globalization;
using System.Text.Json;
using Conduit.Jobs;
using Conduit.Storage;
using Conduit.Web;
using Microsoft.EntityFrameworkCore;

namespace Conduit.AppApprovals;

/// <summary>ServiceNow's REST step calling back with the approver's decision (DESIGN §3.2).</summary>
public static class ApprovalCallbackApi
{
    public static void MapApprovalCallbacks(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/app-approvals/callbacks/{token}", HandleAsync)
            .WithTags("App approvals")
            .AllowAnonymous() // the token in the URL is the capability
            .Produces<AppRequestSummary>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private sealed record Decision(bool Approved, string UpdatedBy, string? Notes, DateTimeOffset? UpdatedAt)
    {
        public string Status => Approved ? "APPROVED" : "REJECTED";
    }

    private sealed record Decidable(long DeviceId, AppRequestStatus Status, string? Decision, DateTimeOffset DueDate);

    /// <summary>Compiled once: every callback reads this.</summary>
    private static readonly Func<ConduitDb, Guid, CancellationToken, Task<Decidable?>> Read =
        EF.CompileAsyncQuery((ConduitDb db, Guid id, CancellationToken ct) => db.AppRequests.AsNoTracking()
            .Where(r => r.Id == id).Select(r => new Decidable(r.DeviceId, r.Status, r.Decision, r.DueDate)).FirstOrDefault());

    private static readonly AppRequestStatus[] Undecided = [AppRequestStatus.Submitted, AppRequestStatus.PendingApproval];

    public static async Task<IResult> HandleAsync(string token, HttpRequest http, ConduitDb db, CallbackTokens tokens, Lifecycle lifecycle,
        TimeProvider time, JobSignal signal)
    {
        if (tokens.Verify(token) is not { } requestId) return NotFound();

        var (doc, problem) = await JsonBody.ReadAsync(http);
        if (problem is not null) return problem;
        using var _ = doc;

        var ct = CancellationToken.None; // a retried or dropped callback must not leave half a decision
        var request = await Read(db, requestId, ct);
        if (request is null) return NotFound();

        var (decision, errors) = Parse(doc!.RootElement, requestId, request.DeviceId);
        if (decision is null) return Results.ValidationProblem(errors, title: "The approval callback is not valid");

        var current = (request.Status, request.Decision, request.DueDate);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (attempt > 0)
            {
                var again = await Read(db, requestId, ct) ?? throw new InvalidOperationException($"request {requestId} vanished");
                current = (again.Status, again.Decision, again.DueDate);
            }

            if (current.Decision is { } earlier)
            {
                return earlier == decision.Status
                    ? Results.Ok(AppRequestSummary.From(requestId, current.Status))
                    : Conflict(requestId, current.Status, $"The request was already {earlier.ToLowerInvariant()}; a later {decision.Status} changes nothing.");
            }
            if (current.Status.IsFinal())
            {
                return Conflict(requestId, current.Status, $"The request is already {current.Status}; the {decision.Status} decision changes nothing.");
            }
            var now = time.GetUtcNow();
            if (now >= current.DueDate)
            {
                return Conflict(requestId, AppRequestStatus.Expired, $"The request expired at {current.DueDate:u}; the {decision.Status} decision changes nothing.");
            }

            var to = decision.Approved ? AppRequestStatus.Approved : AppRequestStatus.Rejected;
            using var push = signal.AfterCommit();
            var applied = await db.WriteAsync(async (db, c) =>
            {
                var moved = await lifecycle.MoveAsync(db, requestId, Undecided, to, $"ServiceNow ({decision.UpdatedBy})",
                    $"{decision.Status} by {decision.UpdatedBy}{(string.IsNullOrWhiteSpace(decision.Notes) ? "" : ": " + decision.Notes)}",
                    now, c,
                    [
                        Lifecycle.Set(nameof(AppRequest.Decision), decision.Status),
                        Lifecycle.Set(nameof(AppRequest.DecidedBy), decision.UpdatedBy),
                        Lifecycle.Set(nameof(AppRequest.DecisionNotes), decision.Notes),
                        Lifecycle.Set(nameof(AppRequest.DecidedAt), decision.UpdatedAt ?? now),
                    ], known: current.Status);
                if (moved is null) return false; // nothing staged: the empty transaction commits nothing

                if (decision.Approved) push.Add(db.EnqueueJob(JobKinds.InstallApp, requestId, now, now));
                return true;
            }, ct);
            if (!applied) continue; // something else moved it in between: look again
            // The user is waiting for this install: it goes to the dispatcher directly, before the queue's backlog.
            push.Send();
            if (!decision.Approved) signal.Notify();
            return Results.Ok(AppRequestSummary.From(requestId, to));
        }
        return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Request is changing", detail: "Retry the callback.");
    }

    private static IResult NotFound() =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static IResult Conflict(Guid id, AppRequestStatus status, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The request is already decided or final", detail: detail,
            extensions: new Dictionary<string, object?> { ["requestId"] = id, ["requestStatus"] = status.ToString() });

    /// <summary>The REST step's text template makes every value a string; numbers and ISO dates are accepted too.</summary>
    private static (Decision?, Dictionary<string, string[]>) Parse(JsonElement root, Guid requestId, long deviceId)
    {
        var errors = new Dictionary<string, string[]>();
        if (root.ValueKind != JsonValueKind.Object) return (null, new() { ["$"] = ["The body must be a JSON object."] });

        var rid = Str(root, "request_id");
        if (rid is null) errors["request_id"] = ["Required."];
        else if (!Guid.TryParse(rid, out var g) || g != requestId) errors["request_id"] = ["Does not match the request this callback URL belongs to."];

        var dev = root.TryGetProperty("device_id", out var d) ? d : default;
        long? device = dev.ValueKind switch
        {
            JsonValueKind.Number when dev.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(dev.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
        if (dev.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) errors["device_id"] = ["Required."];
        else if (device is null) errors["device_id"] = ["Must be a whole number or a numeric string."];
        else if (device != deviceId) errors["device_id"] = ["Does not match the device of this request."];

        var status = Str(root, "approval_status")?.Trim().ToUpperInvariant();
        if (status is not ("APPROVED" or "REJECTED")) errors["approval_status"] = ["Must be APPROVED or REJECTED."];

        DateTimeOffset? updatedAt = null;
        if (Str(root, "updated_at") is { Length: > 0 } ua)
        {
            if (DateTimeOffset.TryParseExact(ua, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sn)) updatedAt = sn;
            else if (DateTimeOffset.TryParse(ua, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso)) updatedAt = iso;
            else errors["updated_at"] = ["Must be 'YYYY-MM-DD HH:MM:SS' or ISO 8601."];
        }

        var by = Str(root, "updated_by");
        if (by is { Length: > 200 }) errors["updated_by"] = ["At most 200 characters."];
        var notes = Str(root, "notes");
        if (notes is { Length: > 4000 }) errors["notes"] = ["At most 4000 characters."];

        if (errors.Count > 0) return (null, errors);
        return (new Decision(status == "APPROVED", string.IsNullOrWhiteSpace(by) ? "ServiceNow" : by, notes, updatedAt), errors);
    }

    private static string? Str(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;
}
