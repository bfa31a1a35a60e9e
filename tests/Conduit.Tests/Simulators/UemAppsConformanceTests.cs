using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conduit.Simulators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Conduit.Tests.Simulators;

/// <summary>UEM app search paging, app status, assignment rules, the Hub "Request" button and scale.</summary>
public sealed class UemAppsConformanceTests
{
    private static HttpClient Client(UemSimulator uem) => SimClients.Uem(uem);

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path) =>
        JsonDocument.Parse(await client.GetStringAsync(path)).RootElement.Clone();

    [Fact]
    public async Task App_search_pages_with_page_and_pagesize_and_answers_204_past_the_end()
    {
        // uem-api.md §2.3: {"Application":[…],"Page","PageSize","Total"}; §4: page is 0-based; §3: 204 when empty.
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        using var client = Client(uem);

        var first = await GetJsonAsync(client, "/API/mam/apps/search?page=0&pagesize=2");
        var last = await GetJsonAsync(client, "/API/mam/apps/search?page=2&pagesize=2");
        using var past = await client.GetAsync("/API/mam/apps/search?page=3&pagesize=2");

        Assert.Equal(2, first.GetProperty("Application").GetArrayLength());
        Assert.Equal(uem.Apps.Count, first.GetProperty("Total").GetInt32());
        Assert.Equal(101, first.GetProperty("Application")[0].GetProperty("Id").GetProperty("Value").GetInt32());
        Assert.Equal(1, last.GetProperty("Application").GetArrayLength());
        Assert.Equal(2, last.GetProperty("Page").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, past.StatusCode);
    }

    [Fact]
    public async Task Assignment_rule_shows_requires_approval()
    {
        // uem-api.md §2.7: AppAssignmentDistributionV1Model.requires_approval (Windows SFD apps).
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        using var client = Client(uem);
        var approval = uem.Apps.Single(a => a.Id == 101);
        var free = uem.Apps.Single(a => a.Id == 401);

        var rule = await GetJsonAsync(client, $"/API/mam/apps/{approval.Uuid}/assignment-rule");
        var freeRule = await GetJsonAsync(client, $"/API/mam/apps/{free.Uuid}/assignment-rule");

        Assert.True(rule.GetProperty("assignments")[0].GetProperty("distribution").GetProperty("requires_approval").GetBoolean());
        Assert.False(freeRule.GetProperty("assignments")[0].GetProperty("distribution").GetProperty("requires_approval").GetBoolean());
        Assert.Equal(approval.Uuid, rule.GetProperty("uuid").GetString());
    }

    [Fact]
    public async Task Hub_request_button_sets_pending_approval_and_the_installed_control_call_completes_it()
    {
        // uem-api.md §2.7: last_action_taken PendingApproval; §2.1: GET /mam/apps/{type}/{id}/status?deviceid= (shape inferred).
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        using var client = Client(uem);
        using var control = new HttpClient { BaseAddress = uem.BaseUrl };

        var before = await GetJsonAsync(client, "/API/mam/apps/internal/101/status?deviceid=3");
        using var requested = await control.PostAsJsonAsync("/_control/hub/request", new { deviceId = 3, appId = 101, justification = "Drawings" });
        var pending = await GetJsonAsync(client, "/API/mam/apps/internal/101/status?deviceid=3");
        using var installed = await control.PostAsync("/_control/devices/3/apps/101/installed", null);
        var after = await GetJsonAsync(client, "/API/mam/apps/internal/101/status?deviceid=3");
        using var wrongType = await client.GetAsync("/API/mam/apps/public/101/status?deviceid=3");

        Assert.Equal("NotInstalled", before.GetProperty("Status").GetString());
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        Assert.Equal("PendingApproval", pending.GetProperty("LatestUemAction").GetString());
        Assert.Equal(HttpStatusCode.NoContent, installed.StatusCode);
        Assert.Equal("Installed", after.GetProperty("Status").GetString());
        Assert.True(after.GetProperty("IsInstalled").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, wrongType.StatusCode);
    }

    [Fact]
    public async Task Hub_request_button_posts_the_intake_body_with_the_bearer_key_and_relays_the_answer()
    {
        // uem-api.md §5.1: the Intelligence request sample (RequestFor, Domain, DeviceId, DeviceProperties, Notes, CatalogItem).
        string? auth = null, received = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var hub = builder.Build();
        hub.MapPost("/api/v1/app-requests", async (HttpContext context) =>
        {
            auth = context.Request.Headers.Authorization.ToString();
            using var reader = new StreamReader(context.Request.Body);
            received = await reader.ReadToEndAsync();
            return Results.Json(new { requestId = "abc" }, statusCode: 201);
        });
        await hub.StartAsync();
        await using var uem = new UemSimulator(new UemSimulatorOptions { HubIntakeUrl = new Uri(hub.Urls.First() + "/api/v1/app-requests"), HubIntakeKey = "intake-key" });
        await uem.StartAsync();
        using var control = new HttpClient { BaseAddress = uem.BaseUrl };

        using var response = await control.PostAsJsonAsync("/_control/hub/request", new { deviceId = 5, appId = 102, justification = "CAD work" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("\"requestId\":\"abc\"", await response.Content.ReadAsStringAsync());
        Assert.Equal("Bearer intake-key", auth);
        var body = JsonDocument.Parse(received!).RootElement;
        var device = uem.GetDevice(5);
        var user = uem.GetUser(device.UserId);
        Assert.Equal(user.Id.ToString(), body.GetProperty("RequestFor").GetProperty("UserId").GetString());
        Assert.Equal(user.UserName, body.GetProperty("RequestFor").GetProperty("UserAttributes").GetProperty("user_name").GetString());
        Assert.Equal(5, body.GetProperty("DeviceId").GetInt32());
        Assert.Equal(device.Udid, body.GetProperty("DeviceProperties").GetProperty("device_udid").GetString());
        Assert.Equal("CAD work", body.GetProperty("Notes").GetString());
        Assert.Equal("102", body.GetProperty("CatalogItem").GetProperty("Id").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("CatalogItem").GetProperty("Categories").ValueKind);
        Assert.Equal("WinRT", body.GetProperty("CatalogItem").GetProperty("Properties").GetProperty("platform").GetString());
        Assert.False(body.TryGetProperty("Links", out _));
    }

    [Fact]
    public async Task Million_device_tenant_pages_to_its_last_device_and_filters_by_user()
    {
        // uem-api.md §2.5: devices/search pagesize max 500. How fast it starts and pages is a bench line
        // (`dotnet run -c Release --project bench/Conduit.Bench -- uem`), not a timed test.
        await using var uem = new UemSimulator(new UemSimulatorOptions { DeviceCount = 1_000_000, UserCount = 100_000 });
        await uem.StartAsync();
        using var client = Client(uem);
        var last = await GetJsonAsync(client, "/API/mdm/devices/search?page=1999&pagesize=500");
        var users = await GetJsonAsync(client, "/API/mdm/devices/search?user=user99999&pagesize=500");

        Assert.Equal(500, last.GetProperty("Devices").GetArrayLength());
        Assert.Equal(1_000_000, last.GetProperty("Devices")[499].GetProperty("Id").GetProperty("Value").GetInt32());
        Assert.Equal(10, users.GetProperty("Total").GetInt32());
    }
}
