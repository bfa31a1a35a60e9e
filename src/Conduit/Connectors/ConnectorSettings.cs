namespace Conduit.Connectors;

public static class ConnectorKinds
{
    public const string Uem = "uem";
    public const string ServiceNow = "servicenow";
    public const string Slack = "slack";
    public static readonly string[] All = [Uem, ServiceNow, Slack];
}

/// <summary>How the hub authenticates to UEM or ServiceNow.</summary>
public static class AuthTypes
{
    /// <summary>HTTP Basic (UEM: plus the aw-tenant-code header).</summary>
    public const string Basic = "basic";
    /// <summary>OAuth 2.0 client credentials (UEM's token service; ServiceNow with the grant enabled).</summary>
    public const string OAuthClientCredentials = "oauth-client-credentials";
    /// <summary>OAuth 2.0 resource-owner password grant (ServiceNow's classic OAuth for integrations).</summary>
    public const string OAuthPassword = "oauth-password";

    public static readonly string[] Uem = [Basic, OAuthClientCredentials];
    public static readonly string[] ServiceNow = [Basic, OAuthPassword, OAuthClientCredentials];
}

/// <summary>An OAuth client: where to get tokens and with which grant.</summary>
public sealed record OAuthClient(Uri TokenUrl, string ClientId, string ClientSecret, string GrantType, string? UserName = null, string? Password = null);

/// <summary>Workspace ONE UEM: the API host (without /API), the tenant code (REST API key), and Basic credentials or an OAuth client.</summary>
public sealed record UemSettings(Uri BaseUrl, string? TenantCode, string? UserName, string? Password, OAuthClient? OAuth)
{
    public UemSettings(Uri baseUrl, string userName, string password, string tenantCode) : this(baseUrl, tenantCode, userName, password, null) { }
}

/// <summary>ServiceNow: instance URL, the Scripted REST API namespace, and Basic credentials or an OAuth client.</summary>
public sealed record ServiceNowSettings(Uri BaseUrl, string ApiNamespace, string? UserName, string? Password, OAuthClient? OAuth)
{
    public ServiceNowSettings(Uri baseUrl, string userName, string password, string apiNamespace) : this(baseUrl, apiNamespace, userName, password, null) { }
}

/// <summary>Slack incoming webhook (no authentication: the URL is the secret) and the default channel.</summary>
public sealed record SlackSettings(Uri WebhookUrl, string? DefaultChannel);

/// <summary>Non-secret part of each connector, as stored in connectors.SettingsJson.</summary>
internal sealed record StoredSettings
{
    public string? BaseUrl { get; init; }
    public string? AuthType { get; init; }
    public string? UserName { get; init; }
    public string? ApiNamespace { get; init; }
    public string? DefaultChannel { get; init; }
    public string? TokenUrl { get; init; }
    public string? ClientId { get; init; }
}

/// <summary>Secret part, stored only encrypted.</summary>
internal sealed record StoredSecrets
{
    public string? Password { get; init; }
    public string? TenantCode { get; init; }
    public string? WebhookUrl { get; init; }
    public string? ClientSecret { get; init; }
}
