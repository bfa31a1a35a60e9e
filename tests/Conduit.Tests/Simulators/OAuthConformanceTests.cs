using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Conduit.Simulators;
using Microsoft.Extensions.Time.Testing;

namespace Conduit.Tests.Simulators;

/// <summary>OAuth and authorisation behaviour of the UEM and ServiceNow simulators.</summary>
public sealed class OAuthConformanceTests
{
    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostFormAsync(HttpClient client, string path, FormUrlEncodedContent form)
    {
        using var response = await client.PostAsync(path, form);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static HttpClient Bearer(Uri baseUrl, string token)
    {
        var client = new HttpClient { BaseAddress = baseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        return client;
    }

    // ---------------------------------------------------------------- UEM

    private static async Task<(HttpStatusCode Status, JsonElement Body)> UemTokenAsync(UemSimulator uem, string? secret = null)
    {
        using var client = new HttpClient { BaseAddress = uem.BaseUrl };
        return await PostFormAsync(client, "/connect/token", Form(
            ("grant_type", "client_credentials"), ("client_id", uem.Options.OAuthClientId), ("client_secret", secret ?? uem.Options.OAuthClientSecret)));
    }

    [Fact]
    public async Task Uem_client_credentials_token_is_a_bearer_for_an_hour_and_needs_no_tenant_code()
    {
        // uem-api.md §1.3: POST /connect/token form client_credentials → access_token, expires_in (~1 h);
        // S18 sends only Authorization: Bearer (no aw-tenant-code).
        await using var uem = new UemSimulator();
        await uem.StartAsync();

        var (status, body) = await UemTokenAsync(uem);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(3600, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(1, uem.TokensIssued);
        using var api = Bearer(uem.BaseUrl, body.GetProperty("access_token").GetString()!);
        using var info = await api.GetAsync("/API/system/info");
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
    }

    [Fact]
    public async Task Uem_token_endpoint_accepts_the_client_as_basic_auth()
    {
        // uem-api.md §1.3: "One blog sends client_id/secret as Basic auth instead" (S15 airwatchhk).
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        using var client = new HttpClient { BaseAddress = uem.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{uem.Options.OAuthClientId}:{uem.Options.OAuthClientSecret}")));

        var (status, body) = await PostFormAsync(client, "/connect/token", Form(("grant_type", "client_credentials")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("access_token").GetString()));
    }

    [Fact]
    public async Task Uem_wrong_client_secret_gets_invalid_client()
    {
        // uem-api.md §1.3 (standard OAuth error; the exact status is inferred: 400 by default).
        await using var uem = new UemSimulator();
        await uem.StartAsync();

        var (status, body) = await UemTokenAsync(uem, secret: "wrong");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.Equal(0, uem.TokensIssued);
    }

    [Fact]
    public async Task Uem_expired_or_revoked_token_gets_401_errorCode_1005()
    {
        // uem-api.md §1.3: tokens live about 1 hour; §3: 401 errorCode 1005 for bad credentials.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T10:00:00Z"));
        await using var uem = new UemSimulator(new UemSimulatorOptions { TimeProvider = time });
        await uem.StartAsync();
        var (_, first) = await UemTokenAsync(uem);
        using var expiring = Bearer(uem.BaseUrl, first.GetProperty("access_token").GetString()!);

        time.Advance(TimeSpan.FromMinutes(59));
        using var stillValid = await expiring.GetAsync("/API/system/info");
        time.Advance(TimeSpan.FromMinutes(2));
        using var expired = await expiring.GetAsync("/API/system/info");
        var (_, second) = await UemTokenAsync(uem);
        uem.RevokeAllTokens();
        using var revokedClient = Bearer(uem.BaseUrl, second.GetProperty("access_token").GetString()!);
        using var revoked = await revokedClient.GetAsync("/API/system/info");

        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        foreach (var response in new[] { expired, revoked })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(1005, body.RootElement.GetProperty("errorCode").GetInt32());
            Assert.Contains("token", body.RootElement.GetProperty("message").GetString());
        }
        Assert.Equal(2, uem.TokensIssued);
    }

    [Fact]
    public async Task Uem_api_user_without_the_role_gets_403_with_an_errorCode()
    {
        // uem-api.md §3: 403 = "the user doesn't have sufficient permissions" (errorCode 1001 is inferred).
        await using var uem = new UemSimulator(new UemSimulatorOptions { ApiRoleMissing = true });
        await uem.StartAsync();
        var (_, token) = await UemTokenAsync(uem);
        using var api = Bearer(uem.BaseUrl, token.GetProperty("access_token").GetString()!);

        using var response = await api.GetAsync("/API/mdm/devices/search");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1001, body.RootElement.GetProperty("errorCode").GetInt32());
    }

    // ---------------------------------------------------------------- ServiceNow

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SnTokenAsync(ServiceNowSimulator sn, params (string, string)[] fields)
    {
        using var client = new HttpClient { BaseAddress = sn.BaseUrl };
        return await PostFormAsync(client, "/oauth_token.do", Form(
            [("client_id", sn.Options.OAuthClientId), ("client_secret", sn.Options.OAuthClientSecret), .. fields]));
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> PasswordGrantAsync(ServiceNowSimulator sn) =>
        SnTokenAsync(sn, ("grant_type", "password"), ("username", sn.Options.UserName), ("password", sn.Options.Password));

    [Fact]
    public async Task ServiceNow_password_grant_answers_the_documented_token_shape_and_the_bearer_works()
    {
        // servicenow-and-slack.md §3: password grant response
        // {"scope":"useraccount","token_type":"Bearer","expires_in":1799,"refresh_token","access_token"}
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();

        var (status, body) = await PasswordGrantAsync(sn);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["access_token", "expires_in", "refresh_token", "scope", "token_type"], body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("useraccount", body.GetProperty("scope").GetString());
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(1799, body.GetProperty("expires_in").GetInt32());
        using var api = Bearer(sn.BaseUrl, body.GetProperty("access_token").GetString()!);
        using var table = await api.GetAsync("/api/now/table/sc_request");
        Assert.Equal(HttpStatusCode.OK, table.StatusCode);
        Assert.Equal(1, sn.TokensIssued);
    }

    [Fact]
    public async Task ServiceNow_client_credentials_grant_works_only_when_enabled()
    {
        // servicenow-and-slack.md §3: client_credentials needs glide.oauth.inbound.client.credential.grant_type.enabled.
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();

        var (enabled, token) = await SnTokenAsync(sn, ("grant_type", "client_credentials"));
        sn.Options = sn.Options with { ClientCredentialsGrantEnabled = false };
        var (disabled, error) = await SnTokenAsync(sn, ("grant_type", "client_credentials"));

        Assert.Equal(HttpStatusCode.OK, enabled);
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, disabled);
        Assert.Equal("server_error", error.GetProperty("error").GetString());
        Assert.Equal("access_denied", error.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task ServiceNow_refresh_grant_renews_an_expired_access_token()
    {
        // servicenow-and-slack.md §3: refresh grant; access token 1800 s, refresh token 100 days.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T10:00:00Z"));
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { TimeProvider = time });
        await sn.StartAsync();
        var (_, first) = await PasswordGrantAsync(sn);
        using var expiring = Bearer(sn.BaseUrl, first.GetProperty("access_token").GetString()!);

        time.Advance(TimeSpan.FromSeconds(1800));
        using var expired = await expiring.GetAsync("/api/now/table/sc_request");
        var (status, renewed) = await SnTokenAsync(sn, ("grant_type", "refresh_token"), ("refresh_token", first.GetProperty("refresh_token").GetString()!));
        using var fresh = Bearer(sn.BaseUrl, renewed.GetProperty("access_token").GetString()!);
        using var ok = await fresh.GetAsync("/api/now/table/sc_request");
        time.Advance(TimeSpan.FromDays(100));
        var (tooLate, _) = await SnTokenAsync(sn, ("grant_type", "refresh_token"), ("refresh_token", first.GetProperty("refresh_token").GetString()!));

        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        using (var envelope = JsonDocument.Parse(await expired.Content.ReadAsStringAsync()))
        {
            Assert.Equal("User Not Authenticated", envelope.RootElement.GetProperty("error").GetProperty("message").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tooLate);
        Assert.Equal(2, sn.TokensIssued);
    }

    [Fact]
    public async Task ServiceNow_wrong_client_secret_or_password_gets_401_access_denied_and_revoked_tokens_stop_working()
    {
        // servicenow-and-slack.md §3 "Token errors": 401 {"error":"server_error","error_description":"access_denied"}
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = new HttpClient { BaseAddress = sn.BaseUrl };

        var (badClient, body) = await PostFormAsync(client, "/oauth_token.do", Form(("grant_type", "password"),
            ("client_id", sn.Options.OAuthClientId), ("client_secret", "wrong"), ("username", sn.Options.UserName), ("password", sn.Options.Password)));
        var (badPassword, _) = await SnTokenAsync(sn, ("grant_type", "password"), ("username", sn.Options.UserName), ("password", "wrong"));
        var (_, token) = await PasswordGrantAsync(sn);
        sn.RevokeAllTokens();
        using var api = Bearer(sn.BaseUrl, token.GetProperty("access_token").GetString()!);
        using var revoked = await api.GetAsync("/api/now/table/sc_request");

        Assert.Equal(HttpStatusCode.Unauthorized, badClient);
        Assert.Equal("server_error", body.GetProperty("error").GetString());
        Assert.Equal("access_denied", body.GetProperty("error_description").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, badPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
    }

    [Fact]
    public async Task ServiceNow_user_without_table_rights_gets_403_user_not_authorized()
    {
        // servicenow-and-slack.md §2.5: ACL or role denial → 403, envelope with "User Not Authorized".
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { TableApiForbidden = true });
        await sn.StartAsync();
        var (_, token) = await PasswordGrantAsync(sn);
        using var api = Bearer(sn.BaseUrl, token.GetProperty("access_token").GetString()!);

        using var response = await api.GetAsync("/api/now/table/sc_request");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("User Not Authorized", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("failure", body.RootElement.GetProperty("status").GetString());
    }
}
