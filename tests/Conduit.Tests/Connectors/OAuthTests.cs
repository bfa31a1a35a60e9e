using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Conduit.Simulators;
using Conduit.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Conduit.Tests.Connectors;

/// <summary>OAuth for UEM (client credentials) and ServiceNow (password and client-credentials grants): tokens are
/// cached, renewed before they expire (fake clock), renewed once after a 401, and refused clients get a clear reason.</summary>
public sealed class OAuthTests
{
    private static async Task<JsonObject> TestAsync(TestHub hub, string kind) =>
        (await (await hub.Admin.PostAsync($"/api/v1/connectors/{kind}/test", null)).Content.ReadFromJsonAsync<JsonObject>())!;

    private static object UemOAuth(UemSimulator uem, string? secret = null) => new
    {
        baseUrl = uem.BaseUrl.ToString(), authType = "oauth-client-credentials", tokenUrl = uem.TokenUrl.ToString(),
        clientId = uem.Options.OAuthClientId, clientSecret = secret ?? uem.Options.OAuthClientSecret,
    };

    [Fact]
    public async Task Uem_token_is_reused_renewed_before_expiry_and_renewed_once_after_a_401()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var uem = new UemSimulator(new UemSimulatorOptions { TimeProvider = time, TokenLifetime = TimeSpan.FromHours(1) });
        await uem.StartAsync();
        await using var hub = await TestHub.StartAsync(time: time);
        (await hub.Admin.PutAsJsonAsync("/api/v1/connectors/uem", UemOAuth(uem))).EnsureSuccessStatusCode();

        for (var i = 0; i < 3; i++) Assert.True((await TestAsync(hub, "uem"))["ok"]!.GetValue<bool>());
        Assert.Equal(1, uem.TokensIssued);

        time.Advance(TimeSpan.FromMinutes(54));
        Assert.True((await TestAsync(hub, "uem"))["ok"]!.GetValue<bool>());
        Assert.Equal(1, uem.TokensIssued); // still well inside its hour

        time.Advance(TimeSpan.FromMinutes(2)); // 56 min: inside the last 5 minutes, renewed ahead of expiry
        Assert.True((await TestAsync(hub, "uem"))["ok"]!.GetValue<bool>());
        Assert.Equal(2, uem.TokensIssued);

        uem.RevokeAllTokens(); // the server forgot it early: one 401, one new token, success
        Assert.True((await TestAsync(hub, "uem"))["ok"]!.GetValue<bool>());
        Assert.Equal(3, uem.TokensIssued);
    }

    [Fact]
    public async Task Uem_wrong_client_secret_says_invalid_client()
    {
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        await using var hub = await TestHub.StartAsync();
        (await hub.Admin.PutAsJsonAsync("/api/v1/connectors/uem", UemOAuth(uem, secret: "nope"))).EnsureSuccessStatusCode();

        var result = await TestAsync(hub, "uem");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains("invalid_client", result["reason"]!.ToString());
    }

    [Fact]
    public async Task ServiceNow_password_grant_renews_with_the_refresh_token_after_expiry()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { TimeProvider = time });
        await sn.StartAsync();
        await using var hub = await TestHub.StartAsync(time: time);
        (await hub.Admin.PutAsJsonAsync("/api/v1/connectors/servicenow", new
        {
            baseUrl = sn.BaseUrl.ToString(), authType = "oauth-password", clientId = sn.Options.OAuthClientId, clientSecret = sn.Options.OAuthClientSecret,
            userName = sn.Options.UserName, password = sn.Options.Password, apiNamespace = sn.Options.ApiNamespace,
        })).EnsureSuccessStatusCode();

        Assert.True((await TestAsync(hub, "servicenow"))["ok"]!.GetValue<bool>());
        Assert.True((await TestAsync(hub, "servicenow"))["ok"]!.GetValue<bool>());
        Assert.Equal(1, sn.TokensIssued);

        time.Advance(TimeSpan.FromSeconds(1799));
        Assert.True((await TestAsync(hub, "servicenow"))["ok"]!.GetValue<bool>());
        Assert.Equal(2, sn.TokensIssued);
    }

    [Fact]
    public async Task ServiceNow_client_credentials_grant_disabled_on_the_instance_is_explained()
    {
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { ClientCredentialsGrantEnabled = false });
        await sn.StartAsync();
        await using var hub = await TestHub.StartAsync();
        (await hub.Admin.PutAsJsonAsync("/api/v1/connectors/servicenow", new
        {
            baseUrl = sn.BaseUrl.ToString(), authType = "oauth-client-credentials", clientId = sn.Options.OAuthClientId,
            clientSecret = sn.Options.OAuthClientSecret, apiNamespace = sn.Options.ApiNamespace,
        })).EnsureSuccessStatusCode();

        var result = await TestAsync(hub, "servicenow");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains("OAuth", result["reason"]!.ToString());
    }

    [Fact]
    public async Task The_whole_approval_flow_runs_on_OAuth_for_both_UEM_and_ServiceNow()
    {
        await using var uem = new UemSimulator(new UemSimulatorOptions { InstallDelay = TimeSpan.FromMilliseconds(100) });
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { AutoApproveAfter = TimeSpan.FromMilliseconds(50) });
        await uem.StartAsync();
        await sn.StartAsync();
        await using var hub = await TestHub.StartAsync();
        (await hub.Admin.PutAsJsonAsync("/api/v1/connectors/uem", UemOAuth(uem))).EnsureSuccessStatusCode();
        (await hub.Admin.PutAsJsonAsync("/api/v1/connectors/servicenow", new
        {
            baseUrl = sn.BaseUrl.ToString(), authType = "oauth-password", clientId = sn.Options.OAuthClientId, clientSecret = sn.Options.OAuthClientSecret,
            userName = sn.Options.UserName, password = sn.Options.Password, apiNamespace = sn.Options.ApiNamespace,
        })).EnsureSuccessStatusCode();

        var id = await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: 8, appId: 201));
        await hub.WaitForStatusAsync(id, "Installed");

        Assert.Equal(1, uem.InstallCount(201, 8));
        Assert.Equal(1, uem.TokensIssued);
        Assert.Equal(1, sn.TokensIssued);
    }
}
