namespace Conduit.Simulators;

/// <summary>Settings of the simulated Workspace ONE UEM tenant.</summary>
public sealed record UemSimulatorOptions
{
    /// <summary>API admin user accepted in Basic auth.</summary>
    public string UserName { get; init; } = "conduit-api";

    /// <summary>Password of <see cref="UserName"/>.</summary>
    public string Password { get; init; } = "uem-password";

    /// <summary>REST API key expected in the aw-tenant-code header.</summary>
    public string TenantCode { get; init; } = "TENANTCODE123";

    /// <summary>Seed of every generated id, name and serial number.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Devices have ids 1..DeviceCount; they are generated on demand, never all at once.</summary>
    public int DeviceCount { get; init; } = 50;

    /// <summary>Users have ids 1..UserCount.</summary>
    public int UserCount { get; init; } = 20;

    /// <summary>Time from an install command to the device reporting Installed; TimeSpan.MaxValue = never (use ReportInstalled).</summary>
    public TimeSpan InstallDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>API calls allowed per rolling 24 h (X-RateLimit-Limit); when spent the API answers 429.</summary>
    public int DailyQuota { get; init; } = 50000;

    /// <summary>OAuth client id accepted by <c>POST /connect/token</c> (uem-api.md §1.3).</summary>
    public string OAuthClientId { get; init; } = "conduit-oauth-client";

    /// <summary>Secret of <see cref="OAuthClientId"/>.</summary>
    public string OAuthClientSecret { get; init; } = "uem-oauth-secret";

    /// <summary>Lifetime of issued access tokens (expires_in); about an hour on SaaS (uem-api.md §1.3).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Clock used for token expiry; tests pass a FakeTimeProvider.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Status of a token request with a wrong client id or secret. IdentityServer-style token services
    /// (which /connect/token suggests) answer 400 <c>{"error":"invalid_client"}</c>; some answer 401 (inferred).
    /// </summary>
    public int InvalidClientStatusCode { get; init; } = 400;

    /// <summary>The API user / OAuth client lacks the admin role the call needs: every API call answers 403.</summary>
    public bool ApiRoleMissing { get; init; }

    /// <summary>Hub intake URL the simulated Intelligent Hub "Request" button POSTs to; null = none.</summary>
    public Uri? HubIntakeUrl { get; init; }

    /// <summary>Bearer key sent with <see cref="HubIntakeUrl"/> calls.</summary>
    public string? HubIntakeKey { get; init; }

    /// <summary>The Domain sent in hub intake requests.</summary>
    public string Domain { get; init; } = "CONDUIT";
}

/// <summary>An app in the simulated catalogue.</summary>
public sealed record UemApp(int Id, string Uuid, string Name, string AppType, string BundleId, string Version, bool RequiresApproval);

/// <summary>An enrolled Windows device.</summary>
public sealed record UemDevice(int Id, string Uuid, string Udid, string SerialNumber, string FriendlyName, string Platform, string OperatingSystem, int UserId, string UserName);

/// <summary>An enrollment user.</summary>
public sealed record UemUser(int Id, string Uuid, string UserName, string FirstName, string LastName, string Email);

/// <summary>An install command the simulator accepted.</summary>
public sealed record InstallCommand(int AppId, string AppType, int DeviceId, DateTimeOffset At);
