using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

public sealed partial class ServiceNowSimulator
{
    private const string JsonContentType = "application/json;charset=UTF-8";

    // ServiceNow writes '<', '&', non-ASCII etc. literally; System.Text.Json would \u-escape them.
    private static readonly JsonSerializerOptions SnJsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    protected override void MapEndpoints(WebApplication app)
    {
        MapOAuth(app);
        MapTableApi(app);
        app.MapPost("/api/{ns}/appapproval/request", (string ns, HttpContext context) => AppApprovalAsync(ns, null, context));
        app.MapPost("/api/{ns}/{version}/appapproval/request", (string ns, string version, HttpContext context) => AppApprovalAsync(ns, version, context));
        // servicenow-and-slack.md task brief: ServiceNow answers 400 for a URI that names no resource.
        app.Map("/api/{**rest}", (HttpContext context) => Authenticate(context) ?? UnknownUri());

        app.MapGet("/", (Delegate)RenderApproverPage);
        app.MapGet("/approvals", (Delegate)RenderApproverPage);
        app.MapPost("/sim/tickets/{sysId}/approve", (string sysId, HttpContext context) => DecideFromPage(sysId, approve: true, context));
        app.MapPost("/sim/tickets/{sysId}/reject", (string sysId, HttpContext context) => DecideFromPage(sysId, approve: false, context));
    }

    /// <inheritdoc />
    protected override async Task WriteFaultResponseAsync(HttpContext context, int statusCode)
    {
        var (message, detail) = statusCode switch
        {
            401 => ("User Not Authenticated", "Required to provide Auth information"),
            403 => ("User Not Authorized", "Not authorized"),
            404 => ("No Record found", "Record doesn't exist or ACL restricts the record retrieval"),
            429 => ("Rate limit exceeded", "Rate limit of 100 requests per hour for Scripted REST API exceeded"),
            _ => ("Internal server error", (string?)null),
        };
        if (statusCode >= 500 && statusCode != 500)
        {
            // A node or the load balancer in front of the instance: no envelope.
            context.Response.StatusCode = statusCode;
            return;
        }
        await WriteEnvelopeAsync(context, statusCode, message, detail).ConfigureAwait(false);
    }

    private static Task WriteEnvelopeAsync(HttpContext context, int status, string message, string? detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        return context.Response.WriteAsync(Envelope(message, detail));
    }

    private static string Envelope(string message, string? detail) =>
        JsonSerializer.Serialize(new { error = new { message, detail }, status = "failure" }, SnJsonOptions);

    private static IResult Failure(int status, string message, string? detail) =>
        new SnJson(Envelope(message, detail), status);

    private static IResult UnknownUri() => Failure(400, "Requested URI does not represent any resource", null);

    private static IResult Result(object result) =>
        new SnJson(JsonSerializer.Serialize(new { result }, SnJsonOptions), 200);

    // seed "Set up ServiceNow to Handle Incoming App Requests": the Scripted REST resource /request.
    private async Task<IResult> AppApprovalAsync(string ns, string? version, HttpContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return denied;
        }
        if (ns != Options.ApiNamespace || (version is not null && !IsVersion(version)))
        {
            return UnknownUri();
        }
        string raw;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            raw = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }
        lock (_gate)
        {
            _received.Add(raw);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(raw);
        }
        catch (JsonException)
        {
            return Failure(400, "Exception while reading request", "The payload is not valid JSON.");
        }
        using (document)
        {
            var body = document.RootElement;
            if (body.ValueKind != JsonValueKind.Object)
            {
                return Failure(400, "Exception while reading request", "The payload must be a JSON object.");
            }
            var requestId = Text(body, "RequestId");
            if (string.IsNullOrEmpty(requestId))
            {
                return Failure(400, "Missing required field RequestId", "The app approval request must carry RequestId.");
            }
            var callbackUrl = Text(body, "Links", "ApprovalNotify", "Url");
            if (string.IsNullOrEmpty(callbackUrl))
            {
                return Failure(400, "Missing required field Links.ApprovalNotify.Url", "The app approval request must carry Links.ApprovalNotify.Url.");
            }
            var request = new AppApprovalRequest(
                requestId,
                callbackUrl,
                DeviceId: long.TryParse(Text(body, "DeviceId"), CultureInfo.InvariantCulture, out var deviceId) ? deviceId : 0,
                Notes: Text(body, "Notes") ?? "",
                AppName: Text(body, "CatalogItem", "Name") ?? "",
                UserId: long.TryParse(Text(body, "RequestFor", "UserId"), CultureInfo.InvariantCulture, out var userId) ? userId : null,
                UserName: Text(body, "RequestFor", "UserAttributes", "user_name") ?? "",
                FirstName: Text(body, "RequestFor", "UserAttributes", "first_name") ?? "",
                LastName: Text(body, "RequestFor", "UserAttributes", "last_name") ?? "");
            var ticket = CreateTicket(request);
            return Result(new { number = ticket.Number, sys_id = ticket.SysId, request_id = requestId });
        }
    }

    private static bool IsVersion(string version) =>
        version.Length > 1 && version[0] == 'v' && version.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    /// <summary>A value at this path as text (numbers as written), or null when missing or null.</summary>
    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
            _ => null,
        };
    }

    // servicenow-and-slack.md §9.4: every value is a string.
    private Dictionary<string, string> Record(ServiceNowTicket t)
    {
        lock (t.Gate)
        {
            var opened = SnTime(t.OpenedAt);
            var record = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["sys_id"] = t.SysId,
                ["number"] = t.Number,
                ["short_description"] = t.ShortDescription,
                ["description"] = t.Description,
                ["approval"] = t.Approval,
                ["request_state"] = t.RequestState,
                ["stage"] = t.Approval switch { "approved" => "fulfillment", "rejected" => "closed_incomplete", _ => "requested" },
                ["state"] = t.Approval == "rejected" ? "4" : "1",
                ["active"] = t.Approval == "rejected" ? "false" : "true",
                ["opened_at"] = opened,
                ["opened_by"] = Options.UserName,
                ["requested_for"] = "",
                ["priority"] = "4",
                ["sys_created_on"] = opened,
                ["sys_created_by"] = Options.UserName,
                ["sys_updated_on"] = SnTime(t.UpdatedAt),
                ["sys_updated_by"] = t.UpdatedBy ?? Options.UserName,
                ["u_uem_callback_url"] = t.UUemCallbackUrl,
                ["u_uem_device_id"] = t.UUemDeviceId.ToString(CultureInfo.InvariantCulture),
                ["u_uem_request_id"] = t.UUemRequestId,
                ["u_uem_user_id"] = t.UUemUserId?.ToString(CultureInfo.InvariantCulture) ?? "",
                ["u_requesting_user"] = t.URequestingUser,
                ["u_uem_notes"] = t.UUemNotes,
            };
            foreach (var (field, value) in t.Extra)
            {
                record[field] = value;
            }
            return record;
        }
    }

    private static string SnTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private IResult DecideFromPage(string sysId, bool approve, HttpContext context)
    {
        if (Tickets.Any(t => t.SysId == sysId))
        {
            DecideInBackground(sysId, approve, "approver.admin", approve ? "Approved in the simulator page" : "Rejected in the simulator page", TimeSpan.Zero);
        }
        context.Response.Headers.Location = "/";
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>JSON with ServiceNow's exact Content-Type (Results.Text would rewrite the charset).</summary>
    private sealed class SnJson(string body, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.Headers.ContentType = JsonContentType;
            return httpContext.Response.WriteAsync(body, Encoding.UTF8);
        }
    }
}
