using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conduit.Storage;
using Conduit.Web;

namespace Conduit.Connectors;

/// <summary>The spec's automation actions, for the rest of the hub and for admins: "Slack: post message" and
/// "ServiceNow: create record" (Table API). Failures of the other system are 502 problems carrying its reason.</summary>
public static partial class ConnectorActionsApi
{
    public static void MapConnectorActions(this RouteGroupBuilder group)
    {
        group.MapPost("/slack/actions/post-message", PostMessageAsync).Accepts<object>("application/json");
        group.MapPost("/servicenow/actions/create-record", CreateRecordAsync).Accepts<object>("application/json");
    }

    /// <summary>Body: { "text": "…", "blocks": [ … ]?, "channel": "#…"? }. Paced at Slack's ~1 message/s per webhook.</summary>
    public static async Task<IResult> PostMessageAsync(HttpRequest http, ConduitDb db, ConnectorStore store, SlackClient slack, SlackPacer pacer, TimeProvider time)
    {
        var (doc, problem) = await JsonBody.ReadAsync(http);
        if (problem is not null) return problem;
        using var _ = doc;
        var root = doc!.RootElement;
        var errors = new Dictionary<string, string[]>();
        var text = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        JsonArray? blocks = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("blocks", out var b) && b.ValueKind != JsonValueKind.Null)
        {
            if (b.ValueKind != JsonValueKind.Array) errors["blocks"] = ["Must be an array of Block Kit blocks."];
            else if (b.GetArrayLength() > 50) errors["blocks"] = ["At most 50 blocks (Slack's limit)."];
            else blocks = JsonNode.Parse(b.GetRawText()) as JsonArray;
        }
        if (string.IsNullOrWhiteSpace(text) && blocks is null) errors["text"] = ["Give text, blocks, or both (text is the notification fallback)."];
        if (text is { Length: > 40_000 }) errors["text"] = ["At most 40,000 characters."];
        var channel = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The message is not valid");

        if (await store.GetSlackAsync(db, CancellationToken.None) is not { } settings) return NotConfigured(ConnectorKinds.Slack);
        // Paced to Slack's rate; a 429 all the same (Slack's own count can run ahead of ours when earlier messages
        // reached it late) pauses the webhook for its Retry-After and the message takes the next slot, up to 3 tries.
        for (var attempt = 1; ; attempt++)
        {
            if (pacer.TryReserve(settings.WebhookUrl, TimeSpan.FromSeconds(10), out var nextFree) is not { } slot)
            {
                var later = nextFree - time.GetUtcNow();
                http.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(later.TotalSeconds)).ToString();
                return Results.Problem(statusCode: 429, title: "Slack queue is full",
                    detail: $"This webhook's messages are paced at about one per second; the next free slot is in {later.TotalSeconds:0} s.");
            }
            var wait = slot - time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time);

            var result = await slack.PostMessageAsync(settings, text ?? "", blocks, channel, CancellationToken.None);
            if (result.StatusCode == 429 && result.RetryAfter is not null && attempt < 3) continue; // the client paused the webhook
            return result.Success ? Results.Ok(new { ok = true }) : Upstream(result, ConnectionChecks.Slack(result).Item2);
        }
    }

    /// <summary>Body: { "table": "incident", "fields": { "short_description": "…", "urgency": "2", "impact": "2", "caller_id": "…" } }.</summary>
    public static async Task<IResult> CreateRecordAsync(HttpRequest http, ConduitDb db, ConnectorStore store, ServiceNowClient serviceNow)
    {
        var (doc, problem) = await JsonBody.ReadAsync(http);
        if (problem is not null) return problem;
        using var _ = doc;
        var root = doc!.RootElement;
        var errors = new Dictionary<string, string[]>();
        var table = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("table", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "incident";
        if (table is null || !TableName().IsMatch(table)) errors["table"] = ["A ServiceNow table name: lower-case letters, digits and underscores (e.g. incident)."];
        JsonObject? fields = null;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("fields", out var f) || f.ValueKind != JsonValueKind.Object)
        {
            errors["fields"] = ["Required: an object of field names and values, e.g. {\"short_description\": \"…\"}."];
        }
        else
        {
            fields = JsonNode.Parse(f.GetRawText()) as JsonObject;
            if (fields!.Count == 0) errors["fields"] = ["Give at least one field."];
            foreach (var (name, value) in fields)
            {
                if (!TableName().IsMatch(name)) errors[$"fields.{name}"] = ["Field names are lower-case letters, digits and underscores."];
                else if (value is JsonObject or JsonArray) errors[$"fields.{name}"] = ["Values are strings, numbers or booleans."];
            }
        }
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The record is not valid");

        if (await store.GetServiceNowAsync(db, CancellationToken.None) is not { } settings) return NotConfigured(ConnectorKinds.ServiceNow);
        var result = await serviceNow.CreateRecordAsync(settings, table!, fields!, CancellationToken.None);
        if (!result.Success) return Upstream(result, ConnectionChecks.ServiceNow(result, settings, probe: false).Item2);
        var record = result.Value ?? new JsonObject();
        return Results.Ok(new { table, sysId = record["sys_id"]?.ToString(), number = record["number"]?.ToString(), record });
    }

    private static IResult NotConfigured(string kind) =>
        Results.Problem(statusCode: 409, title: "Connector not configured", detail: $"Configure it first: PUT /api/v1/connectors/{kind}.");

    private static IResult Upstream<T>(OutboundResult<T> result, string reason) =>
        Results.Problem(statusCode: result.StatusCode == 429 ? 429 : 502, title: "The other system refused the action", detail: reason,
            extensions: new Dictionary<string, object?> { ["upstreamStatus"] = result.StatusCode });

    [GeneratedRegex("^[a-z0-9_]{1,80}$")]
    private static partial Regex TableName();
}
