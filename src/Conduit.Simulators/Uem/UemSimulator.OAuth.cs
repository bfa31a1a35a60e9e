using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

/// <summary>
/// OAuth 2.0 client credentials (uem-api.md §1.3). The real token service lives on a regional host
/// (https://na.uemauth.workspaceone.com/connect/token); the simulator serves it on its own host.
/// </summary>
public sealed partial class UemSimulator
{
    /// <summary>Access tokens issued by <c>POST /connect/token</c> so far.</summary>
    public int TokensIssued => _tokens.Issued;

    /// <summary>Invalidates every issued access token (the next API call with one answers 401).</summary>
    public void RevokeAllTokens() => _tokens.RevokeAll();

    /// <summary>The token endpoint URL, e.g. http://127.0.0.1:5081/connect/token; valid after start.</summary>
    public Uri TokenUrl => new(BaseUrl, "/connect/token");

    private void MapOAuth(WebApplication app) => app.MapPost("/connect/token", (Delegate)TokenAsync);

    // uem-api.md §1.3: form grant_type=client_credentials&client_id&client_secret, or the client as Basic auth.
    private async Task<IResult> TokenAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return OAuthError(400, "invalid_request");
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var (basicId, basicSecret) = TokenStore.ReadBasic(context.Request.Headers.Authorization.ToString());
        // RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
        var clientId = basicId is not null ? Uri.UnescapeDataString(basicId.Replace('+', ' ')) : form["client_id"].ToString();
        var clientSecret = basicSecret is not null ? Uri.UnescapeDataString(basicSecret.Replace('+', ' ')) : form["client_secret"].ToString();
        if (clientId != Options.OAuthClientId || clientSecret != Options.OAuthClientSecret)
        {
            return OAuthError(Options.InvalidClientStatusCode, "invalid_client");
        }
        var grant = form["grant_type"].ToString();
        if (grant.Length == 0)
        {
            return OAuthError(400, "invalid_request");
        }
        if (grant != "client_credentials")
        {
            return OAuthError(400, "unsupported_grant_type");
        }
        var lifetime = Options.TokenLifetime;
        var token = _tokens.Issue(clientId, lifetime, bytes: 48);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        return Results.Json(new
        {
            access_token = token,
            expires_in = (long)lifetime.TotalSeconds,
            token_type = "Bearer",
            scope = "api",
        }, Json, "application/json; charset=utf-8");
    }

    private static IResult OAuthError(int status, string error) =>
        Results.Json(new { error }, Json, "application/json; charset=utf-8", status);

    /// <summary>
    /// uem-api.md §1.2/§1.3/§3: Basic + aw-tenant-code, or Bearer (tenant code optional but checked when
    /// sent). Writes the error and returns false when the call must stop.
    /// </summary>
    private async Task<bool> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var tenant = context.Request.Headers["aw-tenant-code"].ToString();
        if (TokenStore.ReadBearer(header) is { } bearer)
        {
            if (_tokens.Validate(bearer) is null)
            {
                // Inferred: the same errorCode as a bad Basic login, naming the token instead of a user.
                context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                await WriteErrorAsync(context, 401, 1005, "An error occurred while validating remote service client credentials or user not found : the access token is invalid or has expired").ConfigureAwait(false);
                return false;
            }
            if (tenant.Length > 0 && tenant != Options.TenantCode)
            {
                await WriteErrorAsync(context, 403, 1013, $"Tenant code {tenant} does not identify an Organization Group.").ConfigureAwait(false);
                return false;
            }
        }
        else
        {
            var (user, password) = TokenStore.ReadBasic(header);
            if (user != Options.UserName || password != Options.Password)
            {
                await WriteErrorAsync(context, 401, 1005, "An error occurred while validating remote service client credentials or user not found : " + (user ?? "")).ConfigureAwait(false);
                return false;
            }
            if (tenant != Options.TenantCode)
            {
                await WriteErrorAsync(context, 403, 1013, $"Tenant code {tenant} does not identify an Organization Group.").ConfigureAwait(false);
                return false;
            }
        }
        if (Options.ApiRoleMissing)
        {
            // Inferred (uem-api.md §3 only says 403 = "the user doesn't have sufficient permissions"):
            // errorCode 1001 and this wording are a plausible guess, not a capture.
            await WriteErrorAsync(context, 403, 1001, "Access denied. The API user's role does not grant access to this resource.").ConfigureAwait(false);
            return false;
        }
        return true;
    }
}
