using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Conduit.Connectors;

/// <summary>Posts to a Slack incoming webhook (DESIGN §3.5). The webhook URL is a secret: it never appears in a
/// failure reason or a log line.</summary>
public sealed class SlackClient(HttpClient http, TimeProvider time, ConnectorHealth health, SlackPacer pacer)
{
    /// <summary>Posts a message. A 429 pauses the webhook in <see cref="SlackPacer"/> for its Retry-After, whoever sent it.</summary>
    public async Task<OutboundResult<bool>> PostMessageAsync(SlackSettings settings, string text, JsonArray? blocks, string? channel, CancellationToken ct)
    {
        var body = new JsonObject { ["text"] = text };
        if (blocks is not null) body["blocks"] = blocks;
        var target = channel ?? settings.DefaultChannel;
        if (!string.IsNullOrWhiteSpace(target)) body["channel"] = target;
        var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl) { Content = JsonContent.Create(body) };
        var result = await SendAsync(request, ct);
        if (result.StatusCode == 429 && result.RetryAfter is { } ra) pacer.Pause(settings.WebhookUrl, time.GetUtcNow() + ra);
        return result;
    }

    /// <summary>Checks a webhook without posting anything: Slack rejects an empty message with 400 "no_text" when the
    /// webhook exists, and answers 404 "no_service" when it was disabled or removed (reference §7.1).</summary>
    public Task<OutboundResult<bool>> ProbeAsync(SlackSettings settings, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl) { Content = JsonContent.Create(new JsonObject()) }, ct);

    private async Task<OutboundResult<bool>> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        // Slack answers in plain text ("ok", "no_service", …), which is exactly the reason to show.
        var result = await OutboundCall.SendAsync(http, request, "Slack webhook", time, (_, _) => Task.FromResult(true), null, ct);
        request.Dispose();
        health.Record(ConnectorKinds.Slack, result);
        return result;
    }
}
