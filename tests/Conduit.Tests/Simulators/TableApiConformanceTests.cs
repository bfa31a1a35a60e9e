using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Conduit.Simulators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Conduit.Tests.Simulators;

/// <summary>The ServiceNow simulator's Table API against servicenow-and-slack.md §2, §4, §6 and §9.</summary>
public sealed class TableApiConformanceTests
{
    private static HttpClient Client(ServiceNowSimulator sn) => SimClients.ServiceNow(sn);

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ResultAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result").Clone();

    private static async Task<string> CreateIncidentAsync(HttpClient client, string shortDescription, string impact, string urgency)
    {
        using var response = await client.PostAsync("/api/now/table/incident", Json(new { short_description = shortDescription, impact, urgency }));
        return (await ResultAsync(response)).GetProperty("sys_id").GetString()!;
    }

    [Fact]
    public async Task Incident_post_answers_201_with_location_number_state_and_computed_priority()
    {
        // servicenow-and-slack.md §2.1: POST → 201 + Location; §6: INC number, state "1", priority from impact × urgency;
        // §2.4/§9.4: every value a string, 32-hex sys_id.
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = Client(sn);

        using var response = await client.PostAsync("/api/now/table/incident", Json(new { short_description = "Printer on fire", impact = 2, urgency = "1", priority = "5", bogus = "x" }));
        var record = await ResultAsync(response);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sysId = record.GetProperty("sys_id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", sysId);
        Assert.EndsWith("/api/now/table/incident/" + sysId, response.Headers.Location!.ToString());
        Assert.Matches("^INC00100[0-9]{2}$", record.GetProperty("number").GetString());
        Assert.Equal("1", record.GetProperty("state").GetString());
        Assert.Equal("2", record.GetProperty("impact").GetString());
        Assert.Equal("2", record.GetProperty("priority").GetString()); // 2/1 → 2 High; a written priority is ignored
        Assert.False(record.TryGetProperty("bogus", out _));
        Assert.All(record.EnumerateObject().Where(p => p.Name != "opened_by"), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
    }

    [Theory]
    [InlineData("1", "1", "1")]
    [InlineData("1", "3", "3")]
    [InlineData("2", "2", "3")]
    [InlineData("3", "2", "4")]
    [InlineData("3", "3", "5")]
    public async Task Incident_priority_follows_the_lookup_rules(string impact, string urgency, string priority)
    {
        // servicenow-and-slack.md §6: 1/1→1; 1/3, 2/2, 3/1→3; 2/3, 3/2→4; 3/3→5
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = Client(sn);

        var sysId = await CreateIncidentAsync(client, "x", impact, urgency);

        Assert.Equal(priority, sn.TableRows("incident").Single(r => r["sys_id"] == sysId)["priority"]);
    }

    [Fact]
    public async Task Query_supports_the_encoded_operators_ordering_and_fields()
    {
        // servicenow-and-slack.md §2.2 / §9.6: =, !=, LIKE, STARTSWITH, ^, ^OR, ORDERBY/ORDERBYDESC, sysparm_fields
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = Client(sn);
        await CreateIncidentAsync(client, "VPN down", "1", "1");
        await CreateIncidentAsync(client, "VPN slow", "3", "3");
        await CreateIncidentAsync(client, "Mail down", "2", "2");

        async Task<string[]> QueryAsync(string query)
        {
            using var response = await client.GetAsync("/api/now/table/incident?sysparm_fields=short_description&sysparm_query=" + Uri.EscapeDataString(query));
            var result = await ResultAsync(response);
            Assert.All(result.EnumerateArray(), r => Assert.Equal(["short_description"], r.EnumerateObject().Select(p => p.Name)));
            return result.EnumerateArray().Select(r => r.GetProperty("short_description").GetString()!).ToArray();
        }

        Assert.Equal(["VPN down", "VPN slow"], await QueryAsync("short_descriptionSTARTSWITHVPN^ORDERBYshort_description"));
        Assert.Equal(["VPN down", "Mail down"], await QueryAsync("short_descriptionLIKEdown"));
        Assert.Equal(["VPN slow", "Mail down"], await QueryAsync("priority!=1"));
        Assert.Equal(["Mail down", "VPN down"], await QueryAsync("priority=1^ORpriority=3^ORDERBYDESCpriority"));
        Assert.Equal(["VPN down"], await QueryAsync("active=true^short_descriptionLIKEVPN^impact=1"));
        Assert.Equal(3, (await QueryAsync("no_such_field=1^nonsense")).Length); // invalid parts are ignored
    }

    [Fact]
    public async Task Paging_reports_total_and_link_header_with_first_prev_next_last()
    {
        // servicenow-and-slack.md §2.3: X-Total-Count; Link first/prev/next/last, prev negative on page 1, no spaces.
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = Client(sn);
        for (var i = 0; i < 5; i++)
        {
            await CreateIncidentAsync(client, $"n{i}", "3", "3");
        }

        using var response = await client.GetAsync("/api/now/table/incident?sysparm_limit=2&sysparm_offset=0&sysparm_fields=number");
        var link = string.Join(",", response.Headers.GetValues("Link"));

        Assert.Equal("5", response.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal(2, (await ResultAsync(response)).GetArrayLength());
        Assert.DoesNotContain(" ", link);
        Assert.Contains("sysparm_fields=number&sysparm_limit=2&sysparm_offset=0>;rel=\"first\"", link);
        Assert.Contains("sysparm_offset=-2>;rel=\"prev\"", link);
        Assert.Contains("sysparm_offset=2>;rel=\"next\"", link);
        Assert.Contains("sysparm_offset=4>;rel=\"last\"", link);
        using var lastPage = await client.GetAsync("/api/now/table/incident?sysparm_limit=2&sysparm_offset=4");
        Assert.Equal(1, (await ResultAsync(lastPage)).GetArrayLength());
        Assert.DoesNotContain("rel=\"next\"", string.Join(",", lastPage.Headers.GetValues("Link")));
    }

    [Fact]
    public async Task Display_values_and_reference_links_follow_sysparm_display_value()
    {
        // servicenow-and-slack.md §2.2: references as {"link","value"}; true → {"display_value","link"}; all → both
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = Client(sn);
        var abel = sn.TableRows("sys_user").Single(u => u["user_name"] == "abel.tuter");
        using var created = await client.PostAsync("/api/now/table/incident", Json(new { short_description = "x", caller_id = abel["sys_id"] }));
        var sysId = (await ResultAsync(created)).GetProperty("sys_id").GetString();

        async Task<JsonElement> GetAsync(string mode)
        {
            using var response = await client.GetAsync($"/api/now/table/incident/{sysId}?sysparm_display_value={mode}");
            return await ResultAsync(response);
        }

        var raw = await GetAsync("false");
        var display = await GetAsync("true");
        var all = await GetAsync("all");

        Assert.Equal(abel["sys_id"], raw.GetProperty("caller_id").GetProperty("value").GetString());
        Assert.EndsWith("/api/now/table/sys_user/" + abel["sys_id"], raw.GetProperty("caller_id").GetProperty("link").GetString());
        Assert.Equal("Abel Tuter", display.GetProperty("caller_id").GetProperty("display_value").GetString());
        Assert.Equal("x", display.GetProperty("short_description").GetString());
        Assert.Equal("x", all.GetProperty("short_description").GetProperty("display_value").GetString());
        Assert.Equal("x", all.GetProperty("short_description").GetProperty("value").GetString());
    }

    [Fact]
    public async Task Unknown_table_is_400_missing_record_404_and_delete_204()
    {
        // servicenow-and-slack.md §2.5: 400 "Invalid table <name>", 404 "No Record found"; §9.3: DELETE → 204
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = Client(sn);
        var sysId = await CreateIncidentAsync(client, "x", "3", "3");

        using var badTable = await client.GetAsync("/api/now/table/u_nothing");
        using var missing = await client.GetAsync("/api/now/table/incident/0123456789abcdef0123456789abcdef");
        using var deleted = await client.DeleteAsync("/api/now/table/incident/" + sysId);
        using var gone = await client.GetAsync("/api/now/v2/table/incident/" + sysId);

        Assert.Equal(HttpStatusCode.BadRequest, badTable.StatusCode);
        Assert.Contains("\"message\":\"Invalid table u_nothing\"", await badTable.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("No Record found", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal("", await deleted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Sys_user_is_seeded_and_patch_updates_only_sent_fields()
    {
        // servicenow-and-slack.md §2.1: PATCH updates only the fields sent; sys_user holds the integration user.
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = Client(sn);

        using var users = await client.GetAsync("/api/now/table/sys_user?sysparm_query=user_name=" + sn.Options.UserName);
        var me = (await ResultAsync(users)).EnumerateArray().Single();
        using var patched = await client.PatchAsync("/api/now/table/sys_user/" + me.GetProperty("sys_id").GetString(), Json(new { title = "Robot" }));
        var after = await ResultAsync(patched);

        Assert.Equal(sn.IntegrationUserSysId, me.GetProperty("sys_id").GetString());
        Assert.Equal("Robot", after.GetProperty("title").GetString());
        Assert.Equal(me.GetProperty("email").GetString(), after.GetProperty("email").GetString());
        Assert.Equal("1", after.GetProperty("sys_mod_count").GetString());
    }

    [Fact]
    public async Task Patching_sc_request_approval_fires_the_callback_like_DecideAsync()
    {
        // servicenow-and-slack.md §9.9 approval values; seed flow: an approval update POSTs the decision to u_uem_callback_url.
        await using var receiver = await Receiver.StartAsync();
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = Client(sn);
        using var created = await client.PostAsync("/api/now/table/sc_request", Json(new
        {
            short_description = "Request for Installation of Visio", u_uem_callback_url = receiver.Url, u_uem_request_id = "req-1", u_uem_device_id = "7",
        }));
        var sysId = (await ResultAsync(created)).GetProperty("sys_id").GetString()!;

        using var patched = await client.PatchAsync("/api/now/table/sc_request/" + sysId, Json(new { approval = "approved" }));
        var record = await ResultAsync(patched);
        Assert.True(await receiver.WaitAsync(1));
        using var again = await client.PatchAsync("/api/now/table/sc_request/" + sysId, Json(new { approval = "approved" }));
        await Task.Delay(300);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("approved", record.GetProperty("approval").GetString());
        Assert.Equal("in_process", record.GetProperty("request_state").GetString());
        var callback = JsonDocument.Parse(receiver.Bodies.Single()).RootElement;
        Assert.Equal("req-1", callback.GetProperty("request_id").GetString());
        Assert.Equal("7", callback.GetProperty("device_id").GetString());
        Assert.Equal("APPROVED", callback.GetProperty("approval_status").GetString());
        Assert.Equal(sn.Options.UserName, callback.GetProperty("updated_by").GetString());
        Assert.Equal(1, sn.Tickets.Single().CallbacksSent);
    }

    [Fact]
    public async Task Rate_limit_rule_answers_429_with_the_documented_headers_and_body()
    {
        // servicenow-and-slack.md §4: X-RateLimit-Limit / -Reset / -Rule on every matched call; 429 + Retry-After + envelope.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T10:59:00Z"));
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { RateLimitPerHour = 2, TimeProvider = time });
        await sn.StartAsync();
        using var client = Client(sn);

        using var first = await client.GetAsync("/api/now/table/incident");
        using var second = await client.GetAsync("/api/now/table/incident");
        using var third = await client.GetAsync("/api/now/table/incident");
        time.Advance(TimeSpan.FromMinutes(1));
        using var nextHour = await client.GetAsync("/api/now/table/incident");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("2", first.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal(DateTimeOffset.Parse("2025-03-01T11:00:00Z").ToUnixTimeSeconds().ToString(), first.Headers.GetValues("X-RateLimit-Reset").Single());
        Assert.Matches("^[0-9a-f]{32}$", first.Headers.GetValues("X-RateLimit-Rule").Single());
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), third.Headers.RetryAfter!.Delta);
        using var body = JsonDocument.Parse(await third.Content.ReadAsStringAsync());
        Assert.Equal("Rate limit exceeded", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("Rate limit of 2 requests per hour for Table API exceeded", body.RootElement.GetProperty("error").GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, nextHour.StatusCode);
    }

    /// <summary>Collects callback bodies on a loopback port.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<string> _bodies = new();

        private Receiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public IReadOnlyList<string> Bodies => _bodies.ToArray();

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/callback", async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                receiver._bodies.Enqueue(await reader.ReadToEndAsync());
                return Results.Ok();
            });
            await app.StartAsync();
            receiver.Url = app.Urls.First() + "/callback";
            return receiver;
        }

        public async Task<bool> WaitAsync(int count)
        {
            for (var i = 0; i < 100 && _bodies.Count < count; i++)
            {
                await Task.Delay(50);
            }
            return _bodies.Count >= count;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
