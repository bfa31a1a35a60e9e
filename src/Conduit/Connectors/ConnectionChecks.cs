using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conduit.Storage;

namespace Conduit.Connectors;

/// <summary>The answer of "test connection": a failed check is ok: false with a reason an admin can act on.</summary>
public sealed record ConnectionCheck(bool Ok, long LatencyMs, string Reason, DateTimeOffset CheckedAt);

/// <summary>POST /api/v1/connectors/{kind}/test: a live, read-only check, with the real systems' error shapes mapped
/// to human reasons ("wrong tenant code", not "error").</summary>
public static class ConnectionChecks
{
    public static async Task<IResult> TestAsync(string kind, HttpRequest http, ConduitDb db, ConnectorStore store,
        UemClient uem, ServiceNowClient serviceNow, SlackClient slack, TimeProvider time, CancellationToken ct)
    {
        kind = kind.ToLowerInvariant();
        if (!ConnectorKinds.All.Contains(kind)) return ConnectorsApi.UnknownKind();
        var options = await ReadOptionsAsync(http, ct);
        var started = time.GetTimestamp();
        var (ok, reason) = kind switch
        {
            ConnectorKinds.Uem => await store.GetUemAsync(db, ct) is { } u ? Uem(await uem.GetSystemInfoAsync(u, ct), u) : NotConfigured(kind),
            ConnectorKinds.ServiceNow => await store.GetServiceNowAsync(db, ct) is { } s ? await ServiceNowAsync(serviceNow, s, ct) : NotConfigured(kind),
            _ => await store.GetSlackAsync(db, ct) is { } k ? await SlackAsync(slack, k, options, ct) : NotConfigured(kind),
        };
        return Results.Ok(new ConnectionCheck(ok, (long)time.GetElapsedTime(started).TotalMilliseconds, reason, time.GetUtcNow()));
    }

    private sealed record Options(bool SendMessage, string? Channel);

    private static async Task<Options> ReadOptionsAsync(HttpRequest http, CancellationToken ct)
    {
        if (http.ContentLength == 0) return new Options(false, null);
        try
        {
            var body = await JsonNode.ParseAsync(http.Body, cancellationToken: ct) as JsonObject;
            return new Options(body?["sendMessage"]?.GetValueKind() == JsonValueKind.True, body?["channel"]?.ToString());
        }
        catch (JsonException)
        {
            return new Options(false, null);
        }
    }

    private static (bool, string) NotConfigured(string kind) => (false, $"The {kind} connector is not configured yet (PUT /api/v1/connectors/{kind}).");

    /// <summary>UEM: GET /API/system/info. Reference uem-api.md §3: 401 errorCode 1005 = credentials, 403 errorCode 1013 = tenant code.</summary>
    internal static (bool, string) Uem<T>(OutboundResult<T> r, UemSettings s)
    {
        if (r.Success) return (true, $"Connected to Workspace ONE UEM{(r.Value is string v && v.Length > 0 ? " " + v : "")} as {(s.OAuth is null ? s.UserName : "OAuth client " + s.OAuth.ClientId)}.");
        if (Transport(r) is { } transport) return (false, transport);
        var code = UemErrorCode(r.ErrorBody);
        if (r.FailureReason?.Contains("OAuth token request") == true) return (false, OAuthRefused(r, "UEM"));
        return (r.StatusCode, code) switch
        {
            (401, 1005) => (false, $"Wrong API user name or password: UEM did not accept the credentials of '{s.UserName}' (UEM error 1005)."),
            (401, _) when s.OAuth is not null => (false, "UEM refused the OAuth token (401); check that the OAuth client is active and has an admin role."),
            (401, _) => (false, "UEM refused the credentials (401)."),
            (403, 1013) => (false, "Wrong tenant code: it does not identify an Organization Group in UEM (UEM error 1013). Copy the REST API key from Groups & Settings › System › Advanced › API › REST API."),
            (403, _) => (false, $"The API account lacks a role that allows this call (403{(code is null ? "" : $", UEM error {code}")}); give it an admin role with API access."),
            (404, _) => (false, "No UEM REST API at this base URL (GET /API/system/info answered 404); use the API host, e.g. https://as1234.awmdm.com."),
            (429, _) => (false, $"UEM's API quota is used up (429){RetryText(r)}."),
            _ => (false, r.FailureReason ?? "Unknown failure."),
        };
    }

    /// <summary>ServiceNow: a Table API read (credentials and roles), then the app-approval resource without creating a ticket.</summary>
    private static async Task<(bool, string)> ServiceNowAsync(ServiceNowClient client, ServiceNowSettings s, CancellationToken ct)
    {
        var read = await client.QueryTableAsync(s, "sc_request", "", 1, ct);
        if (!read.Success) return ServiceNow(read, s, probe: false);
        var probe = await client.ProbeApprovalResourceAsync(s, ct);
        return ServiceNow(probe, s, probe: true);
    }

    internal static (bool, string) ServiceNow<T>(OutboundResult<T> r, ServiceNowSettings s, bool probe)
    {
        var who = s.OAuth is null ? $"user '{s.UserName}'" : $"OAuth client {s.OAuth.ClientId}";
        if (Transport(r) is { } transport) return (false, transport);
        if (r.FailureReason?.Contains("OAuth token request") == true) return (false, OAuthRefused(r, "ServiceNow"));
        var message = ServiceNowMessage(r.ErrorBody);
        if (probe && r.StatusCode == 400 && message?.Contains("does not represent any resource", StringComparison.OrdinalIgnoreCase) == true)
        {
            return (false, $"API namespace '{s.ApiNamespace}' not found: there is no Scripted REST API at /api/{s.ApiNamespace}/appapproval/request. Check the namespace and that the API ID is 'appapproval' with a POST resource '/request'.");
        }
        if (probe && (r.Success || r.StatusCode is 400 or 422))
        {
            // The resource answered: it exists. A 400 is the script rejecting our empty probe, as it should.
            return (true, $"Connected to ServiceNow as {who}; the app-approval API /api/{s.ApiNamespace}/appapproval/request answers.");
        }
        if (r.Success) return (true, $"Connected to ServiceNow as {who}.");
        return r.StatusCode switch
        {
            401 => (false, $"ServiceNow did not accept the credentials of {who} (401{(message is null ? "" : ": " + message)})."),
            403 => (false, $"ServiceNow refused {who} access (403{(message is null ? "" : ": " + message)}); give the account the role snc_platform_rest_api_access and read access to sc_request."),
            429 => (false, $"ServiceNow rate-limited the integration user (429){RetryText(r)}."),
            404 => (false, $"No ServiceNow REST API at this base URL (404); use the instance URL, e.g. https://acme.service-now.com."),
            _ => (false, r.FailureReason ?? "Unknown failure."),
        };
    }

    /// <summary>Slack: an empty message is refused with "no_text" by a live webhook and "no_service" by a dead one, so
    /// nothing is posted unless the admin asks for a test message (sendMessage: true).</summary>
    private static async Task<(bool, string)> SlackAsync(SlackClient client, SlackSettings s, Options options, CancellationToken ct)
    {
        if (options.SendMessage)
        {
            var sent = await client.PostMessageAsync(s, "Conduit test message: this webhook works.", null, options.Channel, ct);
            return sent.Success ? (true, "Test message posted (Slack answered ok). App webhooks post to their own channel whatever channel is asked for.") : Slack(sent);
        }
        var probe = await client.ProbeAsync(s, ct);
        if (probe.StatusCode == 400 && probe.ErrorBody?.Trim() is "no_text" or "missing_text_or_fallback_or_attachments")
        {
            return (true, "The webhook exists (Slack refused an empty probe with no_text, and posted nothing). Send {\"sendMessage\": true} to post a test message.");
        }
        return probe.Success ? (true, "The webhook answered ok.") : Slack(probe);
    }

    internal static (bool, string) Slack<T>(OutboundResult<T> r)
    {
        if (Transport(r) is { } transport) return (false, transport);
        return (r.StatusCode, r.ErrorBody?.Trim()) switch
        {
            (404, "no_service") or (404, null or "") => (false, "The webhook is disabled or was removed (no_service): create a new incoming webhook in the Slack app and paste its URL."),
            (404, "channel_not_found") => (false, "The webhook's channel does not exist (channel_not_found)."),
            (410, _) => (false, "The webhook's channel is archived (channel_is_archived)."),
            (403, "action_prohibited") => (false, "A Slack admin restriction prevents posting there (action_prohibited)."),
            (403, "invalid_token") => (false, "Slack says the webhook's token is invalid (invalid_token)."),
            (400, "invalid_payload") => (false, "Slack could not read the message (invalid_payload)."),
            (429, _) => (false, $"Slack rate-limited this webhook (429){RetryText(r)}; messages are queued and sent at about one per second."),
            _ => (false, r.FailureReason ?? "Unknown failure."),
        };
    }

    private static string? Transport<T>(OutboundResult<T> r) => r.TransportError switch
    {
        HttpRequestError.NameResolutionError => $"Unreachable: the host name does not resolve. {r.FailureReason}",
        HttpRequestError.ConnectionError => $"Unreachable: nothing answers at that address and port. {r.FailureReason}",
        HttpRequestError.SecureConnectionError => $"TLS failed: the server's certificate is not trusted or the handshake failed. {r.FailureReason}",
        not null => $"Unreachable: {r.FailureReason}",
        null when r.StatusCode is null && r.FailureReason?.Contains("timed out") == true => $"No answer in time: {r.FailureReason}",
        _ => null,
    };

    private static string OAuthRefused<T>(OutboundResult<T> r, string system) => r.StatusCode switch
    {
        400 or 401 when r.ErrorBody?.Contains("invalid_client") == true => $"{system} refused the OAuth client id or secret (invalid_client).",
        400 or 401 when r.ErrorBody?.Contains("invalid_grant") == true => $"{system} refused the OAuth user name or password (invalid_grant).",
        400 or 401 => $"{system} refused the OAuth token request: {r.FailureReason}",
        _ => $"Getting an OAuth token from {system} failed: {r.FailureReason}",
    };

    private static string RetryText<T>(OutboundResult<T> r) => r.RetryAfter is { } ra ? $"; retry after {ra.TotalSeconds:0} s" : "";

    private static int? UemErrorCode(string? body)
    {
        try
        {
            return body is not null && JsonNode.Parse(body) is JsonObject o && o["errorCode"] is { } c && int.TryParse(c.ToString(), out var n) ? n : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ServiceNowMessage(string? body)
    {
        try
        {
            return body is not null && JsonNode.Parse(body) is JsonObject o && o["error"] is JsonObject e ? e["message"]?.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
