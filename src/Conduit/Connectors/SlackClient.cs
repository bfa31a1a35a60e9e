using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Conduit.Connectors;

/// <summary>Posts to a Slack incoming webhook (DESIGN §3.5). The webhook URL is a secret: it never appears in a
/// failure reason or a log line.</summary>
public sealed class SlackClient(HttpClient http, TimeProvider time)
{
    public Task<OutboundResult<bool>> PostMessageAsync(SlackSettings settings, string text, JsonArray? blocks, string? channel, CancellationToken ct)
    {
        var body = new JsonObject { ["text"] = text };
        if (blocks is not null) body["blocks"] = blocks;
        var target = channel ?? settings.DefaultChannel;
        if (!string.IsNullOrWhiteSpace(target)) body["channel"] = target;
        var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl) { Content = JsonContent.Create(body) };
        // Slack answers in plain text ("ok", "no_service", …), which is exactly the reason to show.
        return OutboundCall.SendAsync(http, request, "Slack webhook", time, (_, _) => Task.FromResult(true), null, ct);
    }
}
