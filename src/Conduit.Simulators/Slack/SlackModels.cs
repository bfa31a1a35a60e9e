namespace Conduit.Simulators;

/// <summary>Settings of the simulated Slack workspace.</summary>
public sealed record SlackSimulatorOptions
{
    /// <summary>Rate-limit each webhook URL (token bucket, refill 1/s) and answer 429 when empty.</summary>
    public bool RateLimit { get; init; } = true;

    /// <summary>Messages a webhook may take in a burst before the 1/s limit applies.</summary>
    public int Burst { get; init; } = 3;

    /// <summary>Legacy custom-integration webhooks honour the payload's channel; app webhooks ignore it.</summary>
    public bool LegacyWebhooks { get; init; }

    /// <summary>Channel of webhooks created without one.</summary>
    public string DefaultChannel { get; init; } = "#app-approvals";
}

/// <summary>A message a webhook accepted.</summary>
/// <param name="WebhookUrl">The webhook it was posted to.</param>
/// <param name="Channel">The channel the message really landed in.</param>
/// <param name="RequestedChannel">The payload's channel field, if any.</param>
/// <param name="Text">Top-level text (fallback when blocks are present).</param>
/// <param name="BlocksJson">The raw blocks array, if any.</param>
/// <param name="At">When it arrived.</param>
public sealed record SlackMessage(string WebhookUrl, string Channel, string? RequestedChannel, string? Text, string? BlocksJson, DateTimeOffset At);
