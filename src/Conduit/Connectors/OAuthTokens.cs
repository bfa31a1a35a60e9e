using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Conduit.Connectors;

/// <summary>
/// Gets OAuth 2.0 access tokens (client credentials or password grant) and keeps each until shortly before it
/// expires (10 % of its lifetime, at most 5 minutes early), using the refresh token when the server gave one.
/// Tokens live only in memory. Callers invalidate a token that an API refused (401) and try once more.
/// </summary>
public sealed class OAuthTokens(IHttpClientFactory httpFactory, TimeProvider time)
{
    private sealed record Cached(string AccessToken, string? RefreshToken, DateTimeOffset RefreshAt);

    private readonly ConcurrentDictionary<string, Cached> _cache = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public const string HttpClientName = "oauth";

    public async Task<OutboundResult<string>> GetAsync(OAuthClient client, string describe, CancellationToken ct)
    {
        var key = Key(client);
        if (_cache.TryGetValue(key, out var hit) && time.GetUtcNow() < hit.RefreshAt) return OutboundResult<string>.Ok(hit.AccessToken, 200, TimeSpan.Zero);

        var gate = _locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (_cache.TryGetValue(key, out hit) && time.GetUtcNow() < hit.RefreshAt) return OutboundResult<string>.Ok(hit.AccessToken, 200, TimeSpan.Zero);

            OutboundResult<Cached>? result = null;
            if (hit?.RefreshToken is { } refresh)
            {
                result = await RequestAsync(client, [new("grant_type", "refresh_token"), new("refresh_token", refresh)], describe, ct);
            }
            if (result is not { Success: true })
            {
                var form = new List<KeyValuePair<string, string>> { new("grant_type", client.GrantType) };
                if (client.GrantType == "password")
                {
                    form.Add(new("username", client.UserName ?? ""));
                    form.Add(new("password", client.Password ?? ""));
                }
                result = await RequestAsync(client, form, describe, ct);
            }
            if (!result.Success) return result.As<string>();
            _cache[key] = result.Value!;
            return result.As(result.Value!.AccessToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets a token the API refused, so the next call fetches a new one.</summary>
    public void Invalidate(OAuthClient client)
    {
        if (_cache.TryGetValue(Key(client), out var cached)) _cache[Key(client)] = cached with { RefreshAt = DateTimeOffset.MinValue };
    }

    private async Task<OutboundResult<Cached>> RequestAsync(OAuthClient client, List<KeyValuePair<string, string>> form, string describe, CancellationToken ct)
    {
        form.Add(new("client_id", client.ClientId));
        form.Add(new("client_secret", client.ClientSecret));
        var request = new HttpRequestMessage(HttpMethod.Post, client.TokenUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var requestedAt = time.GetUtcNow();
        return await OutboundCall.SendAsync(httpFactory.CreateClient(HttpClientName), request, $"{describe} OAuth token request", time,
            async (response, c) =>
            {
                var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(c)) as JsonObject;
                var token = json?["access_token"]?.ToString() ?? throw new HttpRequestException("the token response has no access_token");
                var lifetime = TimeSpan.FromSeconds(json["expires_in"] is { } e && double.TryParse(e.ToString(), out var s) ? s : 3600);
                var early = TimeSpan.FromTicks(Math.Min(lifetime.Ticks / 10, TimeSpan.FromMinutes(5).Ticks));
                return new Cached(token, json["refresh_token"]?.ToString(), requestedAt + lifetime - early);
            },
            ExplainOAuthError, ct);
    }

    /// <summary>OAuth errors are {"error": "...", "error_description": "..."} (RFC 6749 §5.2).</summary>
    private static string ExplainOAuthError(HttpResponseMessage response, string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject { } o && o["error"] is { } error)
            {
                return o["error_description"] is { } d ? $"{error} ({d})" : error.ToString();
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return body;
    }

    private static string Key(OAuthClient c) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{c.TokenUrl}\n{c.ClientId}\n{c.ClientSecret}\n{c.GrantType}\n{c.UserName}\n{c.Password}")));
}
