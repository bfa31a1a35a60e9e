namespace Conduit.Connectors;

public static class ConnectorKinds
{
    public const string Uem = "uem";
    public const string ServiceNow = "servicenow";
    public const string Slack = "slack";
    public static readonly string[] All = [Uem, ServiceNow, Slack];
}

/// <summary>Workspace ONE UEM: Base URL (console API host, without /API), API user, password, tenant code.</summary>
public sealed record UemSettings(Uri BaseUrl, string UserName, string Password, string TenantCode);

/// <summary>ServiceNow: instance Base URL, integration user, password, and the Scripted REST API namespace.</summary>
public sealed record ServiceNowSettings(Uri BaseUrl, string UserName, string Password, string ApiNamespace);

/// <summary>Slack incoming webhook (no authentication: the URL is the secret) and the default channel.</summary>
public sealed record SlackSettings(Uri WebhookUrl, string? DefaultChannel);

/// <summary>Non-secret part of each connector, as stored in connectors.SettingsJson.</summary>
internal sealed record StoredSettings
{
    public string? BaseUrl { get; init; }
    public string? UserName { get; init; }
    public string? ApiNamespace { get; init; }
    public string? DefaultChannel { get; init; }
}

/// <summary>Secret part, stored only encrypted.</summary>
internal sealed record StoredSecrets
{
    public string? Password { get; init; }
    public string? TenantCode { get; init; }
    public string? WebhookUrl { get; init; }
}
