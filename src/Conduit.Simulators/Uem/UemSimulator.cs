using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

/// <summary>
/// Simulated Workspace ONE UEM REST API (v1 style, PascalCase JSON): Basic auth + aw-tenant-code,
/// a daily call quota, devices/users/apps search, install commands and per-device app status.
/// </summary>
public sealed partial class UemSimulator : SimulatorBase
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = null, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly UemCatalogue _catalogue;
    private readonly TokenStore _tokens;
    private readonly ConcurrentDictionary<(int DeviceId, int AppId), DeviceAppState> _states = new();
    private readonly ConcurrentDictionary<(int DeviceId, int AppId), int> _installCounts = new();
    private readonly Lock _commandsGate = new();
    private readonly List<InstallCommand> _commands = [];
    private readonly Lock _quotaGate = new();
    private int _quotaUsed;
    private DateTimeOffset _quotaReset = DateTimeOffset.MinValue;

    /// <summary>Creates a simulator; call <see cref="SimulatorBase.StartAsync"/> to serve it.</summary>
    public UemSimulator(UemSimulatorOptions? options = null)
    {
        Options = options ?? new UemSimulatorOptions();
        _catalogue = new UemCatalogue(Options);
        _tokens = new TokenStore(() => Options.TimeProvider);
    }

    /// <summary>The tenant settings.</summary>
    public UemSimulatorOptions Options { get; }

    /// <summary>The seeded app catalogue (ids stable).</summary>
    public IReadOnlyList<UemApp> Apps => _catalogue.Apps;

    /// <summary>Every accepted install POST, in order (snapshot).</summary>
    public IReadOnlyList<InstallCommand> InstallCommands
    {
        get
        {
            lock (_commandsGate)
            {
                return _commands.ToArray();
            }
        }
    }

    /// <summary>How many install commands were accepted for this app on this device.</summary>
    public int InstallCount(int appId, int deviceId) => _installCounts.GetValueOrDefault((deviceId, appId));

    /// <summary>The device reports the app installed now (use with InstallDelay = TimeSpan.MaxValue).</summary>
    public void ReportInstalled(int appId, int deviceId)
    {
        var app = _catalogue.FindApp(appId) ?? throw new ArgumentOutOfRangeException(nameof(appId), appId, "Unknown app.");
        _ = GetDevice(deviceId);
        var state = _states.GetOrAdd((deviceId, appId), _ => new DeviceAppState());
        lock (state)
        {
            state.InstalledStatus = "Installed";
            state.InstalledVersion = app.Version;
            state.LatestAction = state.LatestAction == "Unknown" ? "InstallCommandDispatched" : state.LatestAction;
            state.ActionTime ??= DateTimeOffset.UtcNow;
        }
    }

    /// <summary>
    /// The device user pressed "Request" in Intelligent Hub: the app shows PendingApproval on the
    /// device until an install command arrives (UEM has no REST call for this step).
    /// </summary>
    public void RequestApproval(int appId, int deviceId)
    {
        _ = _catalogue.FindApp(appId) ?? throw new ArgumentOutOfRangeException(nameof(appId), appId, "Unknown app.");
        _ = GetDevice(deviceId);
        var state = _states.GetOrAdd((deviceId, appId), _ => new DeviceAppState());
        lock (state)
        {
            state.LatestAction = "PendingApproval";
            state.ActionTime = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>Device 1..DeviceCount; throws if out of range.</summary>
    public UemDevice GetDevice(int id) => _catalogue.GetDevice(id);

    /// <summary>User 1..UserCount; throws if out of range.</summary>
    public UemUser GetUser(int id) => _catalogue.GetUser(id);

    /// <inheritdoc />
    protected override void MapEndpoints(WebApplication app)
    {
        app.Use(AuthenticateAndMeterAsync);
        MapOAuth(app);
        MapApi(app);
        MapAppExtras(app);
        MapControl(app);
    }

    /// <inheritdoc />
    protected override async Task WriteFaultResponseAsync(HttpContext context, int statusCode)
    {
        context.Response.StatusCode = statusCode;
        switch (statusCode)
        {
            case 401:
                await WriteErrorAsync(context, 401, 1005, "An error occurred while validating remote service client credentials or user not found : " + Options.UserName).ConfigureAwait(false);
                break;
            case 403:
                await WriteErrorAsync(context, 403, 1013, $"Tenant code {Options.TenantCode} does not identify an Organization Group.").ConfigureAwait(false);
                break;
            case 500:
                await WriteErrorAsync(context, 500, 1000, "An unexpected error occurred. Please contact your system administrator.").ConfigureAwait(false);
                break;
            case 502 or 503 or 504:
                // The load balancer in front of IIS answers these, with HTML (uem-api.md §3: the body may be HTML).
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync($"<html><head><title>{statusCode}</title></head><body><h1>Service Unavailable</h1></body></html>").ConfigureAwait(false);
                break;
        }
    }

    internal static Task WriteErrorAsync(HttpContext context, int status, int errorCode, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { errorCode, message, activityId = Guid.NewGuid().ToString() }, Json);
    }

    internal static IResult Error(int status, int errorCode, string message) =>
        Results.Json(new { errorCode, message, activityId = Guid.NewGuid().ToString() }, Json, "application/json; charset=utf-8", status);

    // uem-api.md §1.2 and §3: Basic credentials then aw-tenant-code; §4: X-RateLimit-* with a daily quota.
    private async Task AuthenticateAndMeterAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (await AuthenticateAsync(context).ConfigureAwait(false) is false)
        {
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var (allowed, remaining, reset) = SpendQuota(now);
        SetRateHeaders(context, remaining, reset);
        if (!allowed)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling((reset - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await WriteErrorAsync(context, 429, 1021, "API request limit exceeded for this tenant.").ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    // Rolling 24 h window that starts with the first call, like the captured SaaS headers (§4).
    private (bool Allowed, int Remaining, DateTimeOffset Reset) SpendQuota(DateTimeOffset now)
    {
        lock (_quotaGate)
        {
            if (now >= _quotaReset)
            {
                _quotaUsed = 0;
                _quotaReset = now.AddHours(24);
            }
            if (_quotaUsed >= Options.DailyQuota)
            {
                return (false, 0, _quotaReset);
            }
            _quotaUsed++;
            return (true, Options.DailyQuota - _quotaUsed, _quotaReset);
        }
    }

    private void SetRateHeaders(HttpContext context, int remaining, DateTimeOffset reset)
    {
        context.Response.Headers["X-RateLimit-Limit"] = Options.DailyQuota.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-RateLimit-Reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
    }

    private void ScheduleInstalled(UemApp app, int deviceId, DeviceAppState state, int generation)
    {
        var delay = Options.InstallDelay;
        if (delay == TimeSpan.MaxValue || delay.TotalMilliseconds > int.MaxValue)
        {
            return;
        }
        var stopping = Lifetime.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            lock (state)
            {
                if (state.Generation == generation)
                {
                    state.InstalledStatus = "Installed";
                    state.InstalledVersion = app.Version;
                }
            }
        });
    }

    /// <summary>Install/approval state of one app on one device.</summary>
    internal sealed class DeviceAppState
    {
        public string InstalledStatus { get; set; } = "NotInstalled";
        public string LatestAction { get; set; } = "Unknown";
        public DateTimeOffset? ActionTime { get; set; }
        public string? InstalledVersion { get; set; }
        public int Generation { get; set; }
    }
}
