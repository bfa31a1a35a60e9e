using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

/// <summary>
/// Simulated Slack incoming webhooks (servicenow-and-slack.md §7, §8): plain-text answers
/// ("ok", "no_service", "invalid_payload", ...), Block Kit limits and a per-URL rate limit.
/// </summary>
public sealed partial class SlackSimulator : SimulatorBase
{
    private const string PlainText = "text/plain; charset=utf-8";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly ConcurrentDictionary<string, Webhook> _hooks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<SlackMessage> _messages = [];
    private readonly Random _random = new(7031);
    private int _hookCount;

    /// <summary>Creates a simulator; call <see cref="SimulatorBase.StartAsync"/> to serve it.</summary>
    public SlackSimulator(SlackSimulatorOptions? options = null) => Options = options ?? new SlackSimulatorOptions();

    /// <summary>The workspace settings.</summary>
    public SlackSimulatorOptions Options { get; }

    /// <summary>Accepted messages in arrival order (snapshot).</summary>
    public IReadOnlyList<SlackMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToArray();
            }
        }
    }

    /// <summary>Installs an app webhook posting to <paramref name="channel"/>; returns its full URL.</summary>
    public string CreateWebhook(string channel = "#app-approvals")
    {
        var n = Interlocked.Increment(ref _hookCount);
        string secret;
        lock (_gate)
        {
            secret = string.Create(24, _random, static (span, random) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = SecretAlphabet[random.Next(SecretAlphabet.Length)];
                }
            });
        }
        var path = $"/services/T{n:D8}/B{n:D8}/{secret}";
        _hooks[path] = new Webhook(string.IsNullOrEmpty(channel) ? Options.DefaultChannel : channel, Options.Burst);
        return BaseUrl.GetLeftPart(UriPartial.Authority) + path;
    }

    /// <summary>Disables the webhook (app uninstalled): it then answers 404 no_service.</summary>
    public void DisableWebhook(string url)
    {
        if (_hooks.TryGetValue(new Uri(url).AbsolutePath, out var hook))
        {
            hook.Enabled = false;
        }
    }

    /// <inheritdoc />
    protected override void MapEndpoints(WebApplication app)
    {
        app.MapPost("/services/{team}/{bot}/{secret}", (Delegate)PostAsync);
        app.MapGet("/", (Delegate)RenderChannelPage);
    }

    /// <inheritdoc />
    protected override async Task WriteFaultResponseAsync(HttpContext context, int statusCode)
    {
        context.Response.StatusCode = statusCode;
        var body = statusCode switch
        {
            400 => "invalid_payload",
            403 => "action_prohibited",
            404 => "no_service",
            410 => "channel_is_archived",
            500 => "rollup_error",
            _ => null,
        };
        if (body is not null)
        {
            context.Response.ContentType = PlainText;
            await context.Response.WriteAsync(body).ConfigureAwait(false);
        }
    }

    private static IResult Plain(int status, string body) => Results.Text(body, PlainText, Encoding.UTF8, status);

    private async Task<IResult> PostAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!_hooks.TryGetValue(path, out var hook) || !hook.Enabled)
        {
            return Plain(404, "no_service");
        }
        if (Options.RateLimit && !hook.TryTake(Options.Burst))
        {
            // §7.2: Slack's own SDK mock answers 429 with Retry-After: 1 and an empty body.
            context.Response.Headers.RetryAfter = "1";
            return Results.StatusCode(StatusCodes.Status429TooManyRequests);
        }
        string json;
        if (context.Request.HasFormContentType)
        {
            // Legacy integrations posted payload=<json> form-encoded.
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            json = form["payload"].ToString();
        }
        else
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            json = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return Plain(400, "invalid_payload");
        }
        using (document)
        {
            var payload = document.RootElement;
            if (payload.ValueKind != JsonValueKind.Object)
            {
                return Plain(400, "invalid_payload");
            }
            var text = payload.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var hasBlocks = payload.TryGetProperty("blocks", out var blocks) && blocks.ValueKind == JsonValueKind.Array && blocks.GetArrayLength() > 0;
            var hasAttachments = payload.TryGetProperty("attachments", out var attachments) && attachments.ValueKind == JsonValueKind.Array && attachments.GetArrayLength() > 0;
            if (string.IsNullOrWhiteSpace(text) && !hasBlocks && !hasAttachments)
            {
                return Plain(400, "no_text");
            }
            if (payload.TryGetProperty("blocks", out var anyBlocks) && anyBlocks.ValueKind != JsonValueKind.Null && !BlocksAreValid(anyBlocks))
            {
                return Plain(400, "invalid_blocks");
            }
            var requested = payload.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            // §7: app webhooks post to their own channel; only legacy webhooks honour the override.
            var channel = Options.LegacyWebhooks && !string.IsNullOrEmpty(requested) ? requested : hook.Channel;
            var url = BaseUrl.GetLeftPart(UriPartial.Authority) + path;
            lock (_gate)
            {
                _messages.Add(new SlackMessage(url, channel, requested, text, hasBlocks ? blocks.GetRawText() : null, DateTimeOffset.UtcNow));
            }
        }
        return Plain(200, "ok");
    }

    // §8: ≤ 50 blocks; header text plain_text ≤ 150; section needs text or fields, ≤ 10 fields.
    private static bool BlocksAreValid(JsonElement blocks)
    {
        if (blocks.ValueKind != JsonValueKind.Array || blocks.GetArrayLength() > 50)
        {
            return false;
        }
        foreach (var block in blocks.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                return false;
            }
            switch (type.GetString())
            {
                case "header":
                    if (!block.TryGetProperty("text", out var header) || header.ValueKind != JsonValueKind.Object
                        || !header.TryGetProperty("type", out var headerType) || headerType.GetString() != "plain_text"
                        || !header.TryGetProperty("text", out var headerText) || headerText.ValueKind != JsonValueKind.String
                        || headerText.GetString()!.Length is 0 or > 150)
                    {
                        return false;
                    }
                    break;
                case "section":
                    var hasText = block.TryGetProperty("text", out var sectionText) && sectionText.ValueKind == JsonValueKind.Object;
                    var hasFields = block.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Array;
                    if ((!hasText && !hasFields) || (hasFields && fields.GetArrayLength() > 10))
                    {
                        return false;
                    }
                    break;
                case "actions":
                    if (!block.TryGetProperty("elements", out var elements) || elements.ValueKind != JsonValueKind.Array || elements.GetArrayLength() > 25)
                    {
                        return false;
                    }
                    break;
            }
        }
        return true;
    }

    /// <summary>One installed webhook and its token bucket.</summary>
    private sealed class Webhook(string channel, int burst)
    {
        private readonly Lock _gate = new();
        private double _tokens = Math.Max(1, burst);
        private long _last = Environment.TickCount64;

        public string Channel { get; } = channel;

        public bool Enabled { get; set; } = true;

        // Token bucket: Burst tokens, refilled at one per second.
        public bool TryTake(int burst)
        {
            lock (_gate)
            {
                var now = Environment.TickCount64;
                _tokens = Math.Min(Math.Max(1, burst), _tokens + (now - _last) / 1000.0);
                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }
                _tokens--;
                return true;
            }
        }
    }
}
