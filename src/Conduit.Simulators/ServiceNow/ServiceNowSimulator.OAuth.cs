using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

/// <summary>OAuth (servicenow-and-slack.md §3), Basic/Bearer authentication and inbound rate limits (§4).</summary>
public sealed partial class ServiceNowSimulator
{
    // A fixed sys_id for the simulated sys_rate_limit_rules row (§4: X-RateLimit-Rule carries it).
    private const string RateLimitRuleSysId = "5d3f0c2a9b1e4f6a8c7d2e1f0a9b8c7d";

    private readonly Lock _rateGate = new();
    private readonly Dictionary<string, (long Window, int Count)> _rateCounts = new(StringComparer.Ordinal);
    private TokenStore? _accessTokens;
    private TokenStore? _refreshTokens;

    private TokenStore AccessTokens => LazyInitializer.EnsureInitialized(ref _accessTokens, () => new TokenStore(() => Options.TimeProvider));

    private TokenStore RefreshTokens => LazyInitializer.EnsureInitialized(ref _refreshTokens, () => new TokenStore(() => Options.TimeProvider));

    /// <summary>Access tokens issued by <c>/oauth_token.do</c> so far (every grant counts).</summary>
    public int TokensIssued => AccessTokens.Issued;

    /// <summary>Invalidates every access and refresh token.</summary>
    public void RevokeAllTokens()
    {
        AccessTokens.RevokeAll();
        RefreshTokens.RevokeAll();
    }

    private void MapOAuth(WebApplication app) => app.MapPost("/oauth_token.do", (Delegate)TokenAsync);

    // §3: form-encoded password / client_credentials / refresh_token grants.
    private async Task<IResult> TokenAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return AccessDenied();
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var options = Options;
        var (basicId, basicSecret) = TokenStore.ReadBasic(context.Request.Headers.Authorization.ToString());
        var clientId = basicId ?? form["client_id"].ToString();
        var clientSecret = basicSecret ?? form["client_secret"].ToString();
        if (clientId != options.OAuthClientId || clientSecret != options.OAuthClientSecret)
        {
            return AccessDenied();
        }
        string subject;
        string? refresh = null;
        switch (form["grant_type"].ToString())
        {
            case "password" when options.PasswordGrantEnabled:
                if (form["username"].ToString() != options.UserName || form["password"].ToString() != options.Password)
                {
                    return AccessDenied();
                }
                subject = options.UserName;
                refresh = RefreshTokens.Issue(subject, options.RefreshTokenLifetime);
                break;
            case "client_credentials" when options.ClientCredentialsGrantEnabled:
                // §3: the OAuth entity's "OAuth Application User" is the integration user.
                subject = options.UserName;
                refresh = options.ClientCredentialsIssuesRefreshToken ? RefreshTokens.Issue(subject, options.RefreshTokenLifetime) : null;
                break;
            case "refresh_token":
                refresh = form["refresh_token"].ToString();
                if (refresh.Length == 0 || RefreshTokens.Validate(refresh) is not { } owner)
                {
                    return AccessDenied();
                }
                subject = owner;
                break;
            default:
                return AccessDenied();
        }
        var access = AccessTokens.Issue(subject, options.AccessTokenLifetime);
        context.Response.Headers.CacheControl = "no-store";
        var body = refresh is null
            ? JsonSerializer.Serialize(new { access_token = access, scope = "useraccount", token_type = "Bearer", expires_in = (long)options.AccessTokenLifetime.TotalSeconds }, SnJsonOptions)
            : JsonSerializer.Serialize(new { access_token = access, refresh_token = refresh, scope = "useraccount", token_type = "Bearer", expires_in = (long)options.AccessTokenLifetime.TotalSeconds }, SnJsonOptions);
        return new SnJson(body, 200);
    }

    // §3 "Token errors": 401 {"error":"server_error","error_description":"access_denied"} is the commonly reported form.
    private static IResult AccessDenied() =>
        new SnJson("""{"error":"server_error","error_description":"access_denied"}""", 401);

    /// <summary>§2.5: 401 envelope for missing or wrong credentials; Basic or Bearer; then the rate-limit rule.</summary>
    private IResult? Authenticate(HttpContext context) => Authenticate(context, out _);

    private IResult? Authenticate(HttpContext context, out string user)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var options = Options;
        user = "";
        if (TokenStore.ReadBearer(header) is { } bearer)
        {
            user = AccessTokens.Validate(bearer) ?? "";
        }
        else if (TokenStore.ReadBasic(header) is ({ } name, { } password) && name == options.UserName && password == options.Password)
        {
            user = name;
        }
        if (user.Length == 0)
        {
            context.Response.Headers.WWWAuthenticate = "BASIC realm=\"Service-now\"";
            return Failure(401, "User Not Authenticated", "Required to provide Auth information");
        }
        return RateLimit(context, user, options);
    }

    // §4: per-user hourly rule; headers only when a rule matches; 429 + Retry-After when spent.
    private IResult? RateLimit(HttpContext context, string user, ServiceNowSimulatorOptions options)
    {
        if (options.RateLimitPerHour is not { } limit)
        {
            return null;
        }
        var now = options.TimeProvider.GetUtcNow();
        var window = now.ToUnixTimeSeconds() / 3600;
        var reset = (window + 1) * 3600;
        int count;
        lock (_rateGate)
        {
            count = _rateCounts.TryGetValue(user, out var entry) && entry.Window == window ? entry.Count : 0;
            if (count < limit)
            {
                _rateCounts[user] = (window, ++count);
            }
            else
            {
                count = limit + 1;
            }
        }
        var headers = context.Response.Headers;
        headers["X-RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Reset"] = reset.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Rule"] = RateLimitRuleSysId;
        if (count <= limit)
        {
            return null;
        }
        headers.RetryAfter = Math.Max(1, reset - now.ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var api = (context.Request.Path.Value ?? "").Contains("/table/", StringComparison.OrdinalIgnoreCase) ? "Table API" : "Scripted REST API";
        return Failure(429, "Rate limit exceeded", $"Rate limit of {limit} requests per hour for {api} exceeded");
    }
}
