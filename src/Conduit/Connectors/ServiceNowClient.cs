using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conduit.Connectors;

/// <summary>A ServiceNow request ticket as the Scripted REST resource reports it.</summary>
public sealed record TicketRef(string? Number, string? SysId);

/// <summary>Calls a customer's ServiceNow instance (DESIGN §3.1).</summary>
public sealed class ServiceNowClient(HttpClient http, TimeProvider time)
{
    /// <summary>POST /api/{namespace}/appapproval/request with the spec's payload. Any 2xx means the ticket exists;
    /// the ticket number is read from the {"result": …} envelope when the script returns one.</summary>
    public Task<OutboundResult<TicketRef>> CreateApprovalTicketAsync(ServiceNowSettings settings, JsonObject payload, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Combine(settings.BaseUrl, $"api/{settings.ApiNamespace}/appapproval/request"))
        {
            Content = JsonContent.Create(payload),
        };
        request.Headers.Authorization = OutboundCall.Basic(settings.UserName, settings.Password);
        request.Headers.Accept.ParseAdd("application/json");
        return OutboundCall.SendAsync(http, request, "ServiceNow appapproval/request", time, ReadTicketAsync, ExplainError, ct);
    }

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
