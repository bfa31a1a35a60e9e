using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Conduit.Simulators;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Connectors;

/// <summary>POST /api/v1/connectors/{kind}/test against the simulators: each real error shape gets its own readable reason.</summary>
public sealed class ConnectionTestTests : IAsyncLifetime
{
    private TestHub _hub = null!;

    public async Task InitializeAsync() => _hub = await TestHub.StartAsync();

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    private async Task<JsonObject> TestAsync(string kind, object? body = null)
    {
        var response = body is null
            ? await _hub.Admin.PostAsync($"/api/v1/connectors/{kind}/test", null)
            : await _hub.Admin.PostAsJsonAsync($"/api/v1/connectors/{kind}/test", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // a failed check is ok:false, not an HTTP error
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private Task PutUemAsync(Uri baseUrl, string user = "conduit-api", string password = "uem-password", string tenant = "TENANTCODE123") =>
        _hub.Admin.PutAsJsonAsync("/api/v1/connectors/uem", new { baseUrl = baseUrl.ToString(), userName = user, password, tenantCode = tenant });

    [Fact]
    public async Task Uem_good_credentials_are_ok_with_latency()
    {
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        await PutUemAsync(uem.BaseUrl);

        var result = await TestAsync("uem");

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.True(result["latencyMs"]!.GetValue<long>() >= 0);
        var health = (await _hub.Admin.GetFromJsonAsync<JsonArray>("/api/v1/connectors"))!.Single(c => c!["kind"]!.ToString() == "uem")!["health"]!;
        Assert.NotNull(health["lastSuccessAt"]);
        Assert.Equal(50000, health["rateLimitLimit"]!.GetValue<long>()); // read from X-RateLimit-Limit
        Assert.True(health["rateLimitRemaining"]!.GetValue<long>() < 50000);
    }

    [Fact]
    public async Task Uem_wrong_password_says_credentials_1005()
    {
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        await PutUemAsync(uem.BaseUrl, password: "wrong");

        var result = await TestAsync("uem");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains("password", result["reason"]!.ToString());
        Assert.Contains("1005", result["reason"]!.ToString());
        var health = (await _hub.Admin.GetFromJsonAsync<JsonArray>("/api/v1/connectors"))!.Single(c => c!["kind"]!.ToString() == "uem")!["health"]!;
        Assert.Equal(1, health["consecutiveFailures"]!.GetValue<int>());
        Assert.Contains("1005", health["lastFailure"]!.ToString());
    }

    [Fact]
    public async Task Uem_wrong_tenant_code_says_tenant_code_1013()
    {
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        await PutUemAsync(uem.BaseUrl, tenant: "NOT-OUR-TENANT");

        var result = await TestAsync("uem");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains("Wrong tenant code", result["reason"]!.ToString());
        Assert.Contains("1013", result["reason"]!.ToString());
        Assert.DoesNotContain("NOT-OUR-TENANT", result.ToJsonString()); // the tenant code is a secret
    }

    [Fact]
    public async Task Uem_account_without_role_says_role()
    {
        await using var uem = new UemSimulator(new UemSimulatorOptions { ApiRoleMissing = true });
        await uem.StartAsync();
        await PutUemAsync(uem.BaseUrl);

        var result = await TestAsync("uem");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains("role", result["reason"]!.ToString());
    }

    [Fact]
    public async Task Uem_unreachable_and_TLS_failures_are_told_apart()
    {
        var closedPort = HubProcess.FreePort();
        await PutUemAsync(new Uri($"http://127.0.0.1:{closedPort}"));
        var unreachable = await TestAsync("uem");

        await using var plainHttp = new UemSimulator();
        await plainHttp.StartAsync();
        await PutUemAsync(new Uri($"https://127.0.0.1:{plainHttp.BaseUrl.Port}")); // TLS to a plain-HTTP server
        var tls = await TestAsync("uem");

        Assert.False(unreachable["ok"]!.GetValue<bool>());
        Assert.StartsWith("Unreachable", unreachable["reason"]!.ToString());
        Assert.False(tls["ok"]!.GetValue<bool>());
        Assert.StartsWith("TLS failed", tls["reason"]!.ToString());
    }

    [Fact]
    public async Task Uem_quota_exhausted_says_quota()
    {
        await using var uem = new UemSimulator(new UemSimulatorOptions { DailyQuota = 1 });
        await uem.StartAsync();
        await PutUemAsync(uem.BaseUrl);
        await TestAsync("uem");

        var result = await TestAsync("uem");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains("quota", result["reason"]!.ToString());
    }

    private async Task PutServiceNowAsync(ServiceNowSimulator sn, string? password = null, string? ns = null) =>
        (await _hub.Admin.PutAsJsonAsync("/api/v1/connectors/servicenow", new
        {
            baseUrl = sn.BaseUrl.ToString(), userName = sn.Options.UserName, password = password ?? sn.Options.Password, apiNamespace = ns ?? sn.Options.ApiNamespace,
        })).EnsureSuccessStatusCode();

    [Fact]
    public async Task ServiceNow_ok_probes_the_app_approval_resource_without_creating_a_ticket()
    {
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        await PutServiceNowAsync(sn);

        var result = await TestAsync("servicenow");

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Empty(sn.Tickets);
    }

    [Fact]
    public async Task ServiceNow_wrong_password_wrong_namespace_forbidden_and_rate_limited_each_say_so()
    {
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();

        await PutServiceNowAsync(sn, password: "wrong");
        var unauthorized = await TestAsync("servicenow");
        await PutServiceNowAsync(sn, ns: "x_not_there");
        var noNamespace = await TestAsync("servicenow");
        await PutServiceNowAsync(sn);
        sn.Faults.Add(new FaultRule { PathContains = "/api/now/table", StatusCode = 429, RetryAfterSeconds = 30, Count = 1 });
        var limited = await TestAsync("servicenow");

        Assert.Contains("did not accept the credentials", unauthorized["reason"]!.ToString());
        Assert.Contains("namespace 'x_not_there' not found", noNamespace["reason"]!.ToString());
        Assert.Contains("rate-limited", limited["reason"]!.ToString());
        Assert.Contains("30 s", limited["reason"]!.ToString());
        Assert.All(new[] { unauthorized, noNamespace, limited }, r => Assert.False(r["ok"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task ServiceNow_user_without_table_rights_is_told_which_role_to_add()
    {
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { TableApiForbidden = true });
        await sn.StartAsync();
        await PutServiceNowAsync(sn);

        var result = await TestAsync("servicenow");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains("snc_platform_rest_api_access", result["reason"]!.ToString());
    }

    [Fact]
    public async Task Slack_check_posts_nothing_unless_asked_and_a_removed_webhook_says_no_service()
    {
        await using var slack = new SlackSimulator(new SlackSimulatorOptions { RateLimit = false });
        await slack.StartAsync();
        var hook = slack.CreateWebhook();
        await _hub.Admin.PutAsJsonAsync("/api/v1/connectors/slack", new { webhookUrl = hook, defaultChannel = "#ops" });

        var probe = await TestAsync("slack");
        Assert.True(probe["ok"]!.GetValue<bool>(), probe.ToJsonString());
        Assert.Empty(slack.Messages);

        var sent = await TestAsync("slack", new { sendMessage = true });
        Assert.True(sent["ok"]!.GetValue<bool>());
        Assert.Single(slack.Messages);

        slack.DisableWebhook(hook);
        var dead = await TestAsync("slack");
        Assert.False(dead["ok"]!.GetValue<bool>());
        Assert.Contains("no_service", dead["reason"]!.ToString());
        Assert.DoesNotContain(new Uri(hook).AbsolutePath, dead.ToJsonString());
    }

    [Fact]
    public async Task Unconfigured_connector_check_is_ok_false_not_an_error()
    {
        var result = await TestAsync("servicenow");
        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains("not configured", result["reason"]!.ToString());
    }
}
