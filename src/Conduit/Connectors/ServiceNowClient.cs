using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conduit.Connectors;

/// <summary>A ServiceNow request ticket as the Scripted REST resource reports it.</summary>
public sealed record TicketRef(string? Number, string? SysId);

/// <summary>Calls a customer's ServiceNow instance (DESIGN §3.1).</summary>
public sealed class ServiceNowClient(HttpClient http, AuthorizedCall call)
{
    /// <summary>POST /api/{namespace}/appapproval/request with the spec's payload. Any 2xx means the ticket exists;
    /// the ticket number is read from the {"result": …} envelope when the script returns one.</summary>
    public Task<OutboundResult<TicketRef>> CreateApprovalTicketAsync(ServiceNowSettings settings, JsonObject payload, CancellationToken ct) =>
        SendAsync(settings, HttpMethod.Post, $"api/{settings.ApiNamespace}/appapproval/request", () => JsonContent.Create(payload),
            "ServiceNow appapproval/request", ReadTicketAsync, ct);

    /// <summary>Checks that the Scripted REST resource exists without creating a ticket: an empty body, which the
    /// resource script rejects (400 with its own message) while an unknown namespace answers
    /// "Requested URI does not represent any resource".</summary>
    public Task<OutboundResult<bool>> ProbeApprovalResourceAsync(ServiceNowSettings settings, CancellationToken ct) =>
        SendAsync(settings, HttpMethod.Post, $"api/{settings.ApiNamespace}/appapproval/request", () => JsonContent.Create(new JsonObject()),
            "ServiceNow appapproval/request (probe)", (_, _) => Task.FromResult(true), ct);

    /// <summary>GET /api/now/table/{table}: a read through the Table API (test connection, lookups).</summary>
    public Task<OutboundResult<JsonArray>> QueryTableAsync(ServiceNowSettings settings, string table, string query, int limit, CancellationToken ct) =>
        SendAsync(settings, HttpMethod.Get,
            $"api/now/table/{Uri.EscapeDataString(table)}?sysparm_query={Uri.EscapeDataString(query)}&sysparm_limit={limit}", null,
            $"ServiceNow GET table {table}",
            async (r, c) => (JsonNode.Parse(await r.Content.ReadAsStringAsync(c)) as JsonObject)?["result"] as JsonArray, ct);

    /// <summary>POST /api/now/table/{table}: "ServiceNow: create record" (e.g. an incident).</summary>
    public Task<OutboundResult<JsonObject>> CreateRecordAsync(ServiceNowSettings settings, string table, JsonObject fields, CancellationToken ct) =>
        SendAsync(settings, HttpMethod.Post, $"api/now/table/{Uri.EscapeDataString(table)}", () => JsonContent.Create(fields),
            $"ServiceNow POST table {table}",
            async (r, c) => (JsonNode.Parse(await r.Content.ReadAsStringAsync(c)) as JsonObject)?["result"] as JsonObject, ct);

    private Task<OutboundResult<T>> SendAsync<T>(ServiceNowSettings s, HttpMethod method, string path, Func<HttpContent>? content, string describe,
        Func<HttpResponseMessage, CancellationToken, Task<T?>> onSuccess, CancellationToken ct) =>
        call.SendAsync(http, ConnectorKinds.ServiceNow, describe, s.OAuth, s.UserName, s.Password, () =>
        {
            var request = new HttpRequestMessage(method, Combine(s.BaseUrl, path)) { Content = content?.Invoke() };
            request.Headers.Accept.ParseAdd("application/json");
            return request;
        }, onSuccess, ExplainError, ct);

    private static async Task<TicketRef?> ReadTicketAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            if (JsonNode.Parse(text) is JsonObject { } root && root["result"] is JsonObject result)
            {
                return new TicketRef(result["number"]?.ToString(), result["sys_id"]?.ToString());
            }
        }
        catch (JsonException)
        {
            // A bare 2xx (e.g. a customised script answering plain text) is still success.
        }
        return new TicketRef(null, null);
    }

    /// <summary>ServiceNow errors come as {"error":{"message","detail"},"status":"failure"}.</summary>
    internal static string ExplainError(HttpResponseMessage response, string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject { } root && root["error"] is JsonObject error)
            {
                var message = error["message"]?.ToString();
                var detail = error["detail"]?.ToString();
                return string.IsNullOrEmpty(detail) ? message ?? body : $"{message} ({detail})";
            }
        }
        catch (JsonException)
        {
        }
        return body;
    }

    internal static Uri Combine(Uri baseUrl, string relative) =>
        new(new Uri(baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl.AbsoluteUri : baseUrl.AbsoluteUri + "/"), relative);
}
