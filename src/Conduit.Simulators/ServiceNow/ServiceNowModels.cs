namespace Conduit.Simulators;

/// <summary>Settings of the simulated ServiceNow instance.</summary>
public sealed record ServiceNowSimulatorOptions
{
    /// <summary>Integration user accepted in Basic auth.</summary>
    public string UserName { get; init; } = "conduit.integration";

    /// <summary>Password of <see cref="UserName"/>.</summary>
    public string Password { get; init; } = "sn-password";

    /// <summary>Scripted REST API namespace: /api/{ns}/appapproval/request.</summary>
    public string ApiNamespace { get; init; } = "x_conduit";

    /// <summary>Attempts of the approval callback (the REST step's retry policy).</summary>
    public int CallbackAttempts { get; init; } = 3;

    /// <summary>Pause between callback attempts.</summary>
    public TimeSpan CallbackRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Null = humans decide; else every new ticket is decided after this delay.</summary>
    public TimeSpan? AutoApproveAfter { get; init; }

    /// <summary>Share of auto-decided tickets that are approved; the rest are rejected.</summary>
    public double AutoApproveFraction { get; init; } = 1.0;

    /// <summary>OAuth client id of the Application Registry entry (servicenow-and-slack.md §3).</summary>
    public string OAuthClientId { get; init; } = "conduit-sn-client";

    /// <summary>Secret of <see cref="OAuthClientId"/>.</summary>
    public string OAuthClientSecret { get; init; } = "sn-oauth-secret";

    /// <summary>expires_in of access tokens; ServiceNow answers 1799 for its default 1800 s lifetime (§3).</summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromSeconds(1799);

    /// <summary>Lifetime of refresh tokens; default 8,640,000 s = 100 days (§3).</summary>
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(100);

    /// <summary>glide.oauth.inbound.client.credential.grant_type.enabled (§3; false on a stock instance).</summary>
    public bool ClientCredentialsGrantEnabled { get; init; } = true;

    /// <summary>False = glide.oauth.inbound.ropc.grant_type.disabled=true (the password grant is refused).</summary>
    public bool PasswordGrantEnabled { get; init; } = true;

    /// <summary>Whether client_credentials responses carry a refresh_token (RFC 6749 §4.4.3 says they should not; inferred default).</summary>
    public bool ClientCredentialsIssuesRefreshToken { get; init; }

    /// <summary>Clock used for token expiry and rate-limit windows; tests pass a FakeTimeProvider.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The integration user lacks the table roles / snc_platform_rest_api_access: the Table API answers 403.</summary>
    public bool TableApiForbidden { get; init; }

    /// <summary>Inbound REST rate-limit rule: requests per hour per user (§4); null = no rule.</summary>
    public int? RateLimitPerHour { get; init; }
}

/// <summary>An sc_request record created by the app-approval Scripted REST API.</summary>
public sealed class ServiceNowTicket
{
    /// <summary>32 lowercase hex characters.</summary>
    public string SysId { get; init; } = "";

    /// <summary>REQ0010001, REQ0010002, ...</summary>
    public string Number { get; init; } = "";

    /// <summary>"Request for Installation of {AppName}".</summary>
    public string ShortDescription { get; init; } = "";

    /// <summary>"{FirstName} {LastName} Requests Installation of {AppName}".</summary>
    public string Description { get; init; } = "";

    /// <summary>"requested", "approved" or "rejected".</summary>
    public string Approval { get; internal set; } = "requested";

    /// <summary>"requested", then "in_process" (approved) or "closed_rejected".</summary>
    public string RequestState { get; internal set; } = "requested";

    /// <summary>Column u_uem_callback_url (max 2048).</summary>
    public string UUemCallbackUrl { get; init; } = "";

    /// <summary>Column u_uem_device_id (integer).</summary>
    public long UUemDeviceId { get; init; }

    /// <summary>Column u_uem_request_id (max 40).</summary>
    public string UUemRequestId { get; init; } = "";

    /// <summary>Column u_uem_user_id (integer, optional).</summary>
    public long? UUemUserId { get; init; }

    /// <summary>Column u_requesting_user (max 40).</summary>
    public string URequestingUser { get; init; } = "";

    /// <summary>Column u_uem_notes (max 4000).</summary>
    public string UUemNotes { get; init; } = "";

    /// <summary>When the ticket was created.</summary>
    public DateTimeOffset OpenedAt { get; init; }

    /// <summary>Who approved or rejected the ticket.</summary>
    public string? UpdatedBy { get; internal set; }

    /// <summary>When the ticket was last updated.</summary>
    public DateTimeOffset UpdatedAt { get; internal set; }

    /// <summary>Callback attempts made (each retry counts).</summary>
    public int CallbacksSent { get; internal set; }

    /// <summary>HTTP status of the last callback attempt; 0 for a transport failure.</summary>
    public int? LastCallbackStatus { get; internal set; }

    internal Lock Gate { get; } = new();

    /// <summary>Fields written through the Table API that have no property here (override the computed ones).</summary>
    internal Dictionary<string, string> Extra { get; } = new(StringComparer.Ordinal);
}
