using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conduit.Simulators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conduit.Tests.Simulators;

/// <summary>Pins the simulators to the behaviour the reference notes describe, over real HTTP.</summary>
public sealed class SimulatorConformanceTests
{
    // ---------------------------------------------------------------- UEM

    private static HttpClient UemClient(UemSimulator uem, string? user = null, string? password = null, string? tenant = null) =>
        SimClients.Uem(uem, user, password, tenant);

    [Fact]
    public async Task Uem_wrong_password_gets_401_with_errorCode_1005()
    {
        // uem-api.md §3: 401 errorCode 1005 "...credentials or user not found : <user>"
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        using var client = UemClient(uem, password: "wrong");

        using var response = await client.GetAsync("/API/system/info");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1005, body.RootElement.GetProperty("errorCode").GetInt32());
        Assert.EndsWith(": conduit-api", body.RootElement.GetProperty("message").GetString());
        Assert.True(Guid.TryParse(body.RootElement.GetProperty("activityId").GetString(), out _));
    }

    [Fact]
    public async Task Uem_unknown_tenant_code_gets_403_with_errorCode_1013()
    {
        // uem-api.md §3: 403 errorCode 1013 "Tenant code XYZ does not identify an Organization Group."
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        using var client = UemClient(uem, tenant: "XYZ");

        using var response = await client.GetAsync("/api/system/info");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1013, body.RootElement.GetProperty("errorCode").GetInt32());
        Assert.Equal("Tenant code XYZ does not identify an Organization Group.", body.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Uem_device_search_clamps_page_size_to_500_reports_total_and_answers_204_past_the_end()
    {
        // uem-api.md §2.5: page 0-based, pagesize max 500 (larger returns 500); §3: empty search → 204
        await using var uem = new UemSimulator(new UemSimulatorOptions { DeviceCount = 1200 });
        await uem.StartAsync();
        using var client = UemClient(uem);

        using var first = JsonDocument.Parse(await client.GetStringAsync("/API/mdm/devices/search?page=0&pagesize=1000"));
        using var last = JsonDocument.Parse(await client.GetStringAsync("/API/mdm/devices/search?page=2&pagesize=500"));
        using var past = await client.GetAsync("/API/mdm/devices/search?page=3&pagesize=500");

        Assert.Equal(500, first.RootElement.GetProperty("Devices").GetArrayLength());
        Assert.Equal(500, first.RootElement.GetProperty("PageSize").GetInt32());
        Assert.Equal(1200, first.RootElement.GetProperty("Total").GetInt32());
        Assert.Equal(1, first.RootElement.GetProperty("Devices")[0].GetProperty("Id").GetProperty("Value").GetInt32());
        Assert.Equal(200, last.RootElement.GetProperty("Devices").GetArrayLength());
        Assert.Equal(1001, last.RootElement.GetProperty("Devices")[0].GetProperty("Id").GetProperty("Value").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, past.StatusCode);
        Assert.Empty(await past.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Uem_install_is_accepted_with_202_and_the_device_reports_dispatched_then_installed()
    {
        // uem-api.md §2.2: 202 empty body; §2.6/§2.7: latest_uem_action InstallCommandDispatched, installed_status Installed
        await using var uem = new UemSimulator(new UemSimulatorOptions { InstallDelay = TimeSpan.FromMilliseconds(400) });
        await uem.StartAsync();
        using var client = UemClient(uem);
        var device = uem.GetDevice(7);

        using var install = await client.PostAsJsonAsync("/API/mam/apps/internal/101/install", new { DeviceId = 7 });
        using var dispatched = JsonDocument.Parse(await client.GetStringAsync($"/API/mdm/devices/{device.Uuid}/apps/search?searchtext=acrobat"));

        Assert.Equal(HttpStatusCode.Accepted, install.StatusCode);
        Assert.Empty(await install.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, uem.InstallCount(101, 7));
        var item = Assert.Single(dispatched.RootElement.GetProperty("app_items").EnumerateArray());
        Assert.Equal("InstallCommandDispatched", item.GetProperty("latest_uem_action").GetString());
        Assert.Equal("NotInstalled", item.GetProperty("installed_status").GetString());

        var installed = await PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/API/mdm/devices/{device.Uuid}/apps/search?searchtext=acrobat"));
            return doc.RootElement.GetProperty("app_items")[0].GetProperty("installed_status").GetString() == "Installed";
        });
        Assert.True(installed);
    }

    [Fact]
    public async Task Uem_install_on_unknown_device_gets_404_errorCode_5061_and_wrong_app_type_gets_404()
    {
        // uem-api.md §3: 404 errorCode 5061 "Device not found for this request."
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        using var client = UemClient(uem);

        using var noDevice = await client.PostAsJsonAsync("/API/mam/apps/internal/101/install", new { DeviceId = 9999 });
        using var wrongType = await client.PostAsJsonAsync("/API/mam/apps/public/101/install", new { DeviceId = 1 });
        using var malformed = await client.PostAsync("/API/mam/apps/internal/101/install", new StringContent("{not json", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, noDevice.StatusCode);
        using var body = JsonDocument.Parse(await noDevice.Content.ReadAsStringAsync());
        Assert.Equal(5061, body.RootElement.GetProperty("errorCode").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Empty(uem.InstallCommands);
    }

    [Fact]
    public async Task Uem_answers_429_when_the_daily_quota_is_spent_and_reports_rate_limit_headers()
    {
        // uem-api.md §4: X-RateLimit-Limit/Remaining/Reset (reset = +24 h); 429 when exceeded [I]
        await using var uem = new UemSimulator(new UemSimulatorOptions { DailyQuota = 2 });
        await uem.StartAsync();
        using var client = UemClient(uem);

        using var first = await client.GetAsync("/API/system/info");
        using var second = await client.GetAsync("/API/system/info");
        using var third = await client.GetAsync("/API/system/info");

        Assert.Equal("1", first.Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.Equal("2", first.Headers.GetValues("X-RateLimit-Limit").Single());
        var reset = long.Parse(first.Headers.GetValues("X-RateLimit-Reset").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(reset - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 86_000, 86_401);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    [Fact]
    public async Task Uem_million_device_tenant_resolves_devices_by_id_and_uuid_without_enumerating()
    {
        // task brief: devices are generated lazily and deterministically from the seed
        await using var uem = new UemSimulator(new UemSimulatorOptions { DeviceCount = 1_000_000 });
        await uem.StartAsync();
        using var client = UemClient(uem);
        var device = uem.GetDevice(999_999);

        using var byUuid = JsonDocument.Parse(await client.GetStringAsync($"/API/mdm/devices/{device.Uuid}"));

        Assert.Equal(999_999, byUuid.RootElement.GetProperty("Id").GetProperty("Value").GetInt32());
        Assert.Equal(device, new UemSimulator(new UemSimulatorOptions { DeviceCount = 1_000_000 }).GetDevice(999_999));
        Assert.Matches("^[0-9A-F]{32}$", device.Udid);
        Assert.Equal("WIN-LAPTOP-999999", device.FriendlyName);
    }

    [Fact]
    public async Task Fault_rule_answers_503_twice_then_lets_calls_through()
    {
        // task brief: FaultRule Count = apply to the next N matching calls
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        uem.Faults.Add(new FaultRule { PathContains = "/system/info", StatusCode = 503, RetryAfterSeconds = 2, Count = 2 });
        using var client = UemClient(uem);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/API/system/info");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK], statuses);
        Assert.Equal(2, uem.Faults.Hits);
    }

    [Fact]
    public async Task Fault_control_api_adds_and_clears_rules_over_http()
    {
        // task brief: POST /_control/faults (camelCase, delayMs), DELETE /_control/faults
        await using var slack = new SlackSimulator();
        await slack.StartAsync();
        using var client = new HttpClient { BaseAddress = slack.BaseUrl };
        var hook = slack.CreateWebhook();

        using var add = await client.PostAsync("/_control/faults", new StringContent("""{"pathContains":"/services/","statusCode":500,"delayMs":10}""", Encoding.UTF8, "application/json"));
        using var faulted = await client.PostAsJsonAsync(hook, new { text = "hi" });
        using var clear = await client.DeleteAsync("/_control/faults");
        using var healthy = await client.PostAsJsonAsync(hook, new { text = "hi" });

        Assert.True(add.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, faulted.StatusCode);
        Assert.Equal("rollup_error", await faulted.Content.ReadAsStringAsync());
        Assert.True(clear.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    // ---------------------------------------------------------------- ServiceNow

    private static HttpClient ServiceNowClient(ServiceNowSimulator sn, bool authenticated = true) => SimClients.ServiceNow(sn, authenticated);

    private static string ApprovalRequest(string requestId, string callbackUrl, string notes = "Need it for the Q3 drawings") => JsonSerializer.Serialize(new
    {
        RequestId = requestId,
        RequestFor = new { UserId = "15", UserAttributes = new { user_name = "user015", last_name = "Tuter", first_name = "Abel", email = "user15@example.com" } },
        Domain = "example.com",
        DeviceId = 123,
        DeviceProperties = new { name = "WIN-LAPTOP-000123", device_udid = "F11C43E8307092418D7D5B0D9B48F235", platform = "Windows 10" },
        Notes = notes,
        CatalogItem = new { Id = "102", Name = "Autodesk AutoCAD", Categories = (string?)null, Properties = new { package_id = "{12345A78-40C1-2702-0000-000004000000}", version = "25.0", platform = "WinRT" } },
        DueDate = 1568989813956,
        Links = new { ApprovalNotify = new { Url = callbackUrl } },
    });

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task ServiceNow_request_without_credentials_gets_401_failure_envelope()
    {
        // servicenow-and-slack.md §2.5: 401 {"error":{"message":"User Not Authenticated",...},"status":"failure"}
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = ServiceNowClient(sn, authenticated: false);

        using var response = await client.PostAsync("/api/x_conduit/appapproval/request", Json(ApprovalRequest("r-1", "http://127.0.0.1:1/cb")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("User Not Authenticated", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("Required to provide Auth information", body.RootElement.GetProperty("error").GetProperty("detail").GetString());
        Assert.Equal("failure", body.RootElement.GetProperty("status").GetString());
        Assert.Empty(sn.ReceivedApprovalRequests);
    }

    [Fact]
    public async Task ServiceNow_unknown_namespace_gets_400_unknown_resource()
    {
        // servicenow-and-slack.md §1 error envelope; ServiceNow answers 400 for a URI naming no resource
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = ServiceNowClient(sn);

        using var response = await client.PostAsync("/api/x_other/appapproval/request", Json(ApprovalRequest("r-1", "http://127.0.0.1:1/cb")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Requested URI does not represent any resource", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ServiceNow_approval_request_creates_sc_request_with_uem_columns_and_is_idempotent_on_request_id()
    {
        // seed: sc_request custom columns (u_uem_*), short_description/description from the script; §2A REQ numbers
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = ServiceNowClient(sn);
        var longNotes = new string('n', 4100);

        using var created = await client.PostAsync("/api/x_conduit/v1/appapproval/request", Json(ApprovalRequest("bffb4469-56fb-4141-9ab0-0897f65143ba", "http://127.0.0.1:1/cb", longNotes)));
        using var again = await client.PostAsync("/api/x_conduit/appapproval/request", Json(ApprovalRequest("bffb4469-56fb-4141-9ab0-0897f65143ba", "http://127.0.0.1:1/cb")));
        using var table = JsonDocument.Parse(await client.GetStringAsync("/api/now/table/sc_request?sysparm_query=u_uem_request_id=bffb4469-56fb-4141-9ab0-0897f65143ba&sysparm_limit=1"));

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("application/json;charset=UTF-8", created.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal));
        using var result = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var number = result.RootElement.GetProperty("result").GetProperty("number").GetString();
        var sysId = result.RootElement.GetProperty("result").GetProperty("sys_id").GetString()!;
        Assert.Equal("REQ0010001", number);
        Assert.Matches("^[0-9a-f]{32}$", sysId);
        Assert.Contains(sysId, await again.Content.ReadAsStringAsync());

        var ticket = Assert.Single(sn.Tickets);
        Assert.Equal("Request for Installation of Autodesk AutoCAD", ticket.ShortDescription);
        Assert.Equal("Abel Tuter Requests Installation of Autodesk AutoCAD", ticket.Description);
        Assert.Equal("requested", ticket.Approval);
        Assert.Equal(123, ticket.UUemDeviceId);
        Assert.Equal(15, ticket.UUemUserId);
        Assert.Equal("user015", ticket.URequestingUser);
        Assert.Equal(4000, ticket.UUemNotes.Length);
        Assert.Equal(2, sn.ReceivedApprovalRequests.Count);

        var record = Assert.Single(table.RootElement.GetProperty("result").EnumerateArray());
        Assert.Equal("123", record.GetProperty("u_uem_device_id").GetString());
        Assert.Equal("http://127.0.0.1:1/cb", record.GetProperty("u_uem_callback_url").GetString());
        Assert.Equal(sysId, record.GetProperty("sys_id").GetString());
    }

    [Fact]
    public async Task ServiceNow_missing_request_id_gets_400_envelope_and_unknown_record_gets_404()
    {
        // servicenow-and-slack.md §2.5: 404 "No Record found"; task brief: missing RequestId → 400 envelope
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = ServiceNowClient(sn);

        using var missing = await client.PostAsync("/api/x_conduit/appapproval/request", Json("""{"Links":{"ApprovalNotify":{"Url":"http://x/cb"}}}"""));
        using var notJson = await client.PostAsync("/api/x_conduit/appapproval/request", Json("RequestId=1"));
        using var unknown = await client.GetAsync("/api/now/table/sc_request/0123456789abcdef0123456789abcdef");

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("Missing required field RequestId", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("No Record found", await unknown.Content.ReadAsStringAsync());
        Assert.Empty(sn.Tickets);
    }

    [Fact]
    public async Task ServiceNow_decision_posts_one_string_valued_callback_and_a_second_decision_does_nothing()
    {
        // seed REST step: Content-Type application/json, Text body, every value a string; flow "Run trigger: Once"
        await using var receiver = await CallbackReceiver.StartAsync(failuresFirst: 0);
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        using var client = ServiceNowClient(sn);
        using var created = await client.PostAsync("/api/x_conduit/appapproval/request", Json(ApprovalRequest("req-42", receiver.Url)));
        var ticket = sn.FindByRequestId("req-42")!;

        var status = await sn.DecideAsync(ticket.Number, approve: true, "jane.approver", "ok by me");
        var again = await sn.DecideAsync(ticket.SysId, approve: false);

        Assert.Equal(200, status);
        Assert.Equal(200, again);
        Assert.Equal("approved", ticket.Approval);
        var (contentType, body) = Assert.Single(receiver.Received);
        Assert.Equal("application/json", contentType);
        using var json = JsonDocument.Parse(body);
        Assert.All(json.RootElement.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        Assert.Equal("req-42", json.RootElement.GetProperty("request_id").GetString());
        Assert.Equal("123", json.RootElement.GetProperty("device_id").GetString());
        Assert.Equal("APPROVED", json.RootElement.GetProperty("approval_status").GetString());
        Assert.Equal("jane.approver", json.RootElement.GetProperty("updated_by").GetString());
        Assert.Equal("ok by me", json.RootElement.GetProperty("notes").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", json.RootElement.GetProperty("updated_at").GetString());
    }

    [Fact]
    public async Task ServiceNow_callback_is_retried_through_two_503s_then_succeeds()
    {
        // servicenow-and-slack.md §5: the REST step can retry on failure (retry on 5xx/429/transport error)
        await using var receiver = await CallbackReceiver.StartAsync(failuresFirst: 2);
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { CallbackRetryDelay = TimeSpan.FromMilliseconds(20) });
        await sn.StartAsync();
        using var client = ServiceNowClient(sn);
        using var created = await client.PostAsync("/api/x_conduit/appapproval/request", Json(ApprovalRequest("req-7", receiver.Url)));

        var status = await sn.DecideAsync("REQ0010001", approve: false);

        Assert.Equal(200, status);
        var ticket = sn.FindByRequestId("req-7")!;
        Assert.Equal(3, ticket.CallbacksSent);
        Assert.Equal(3, receiver.Received.Count);
        Assert.Contains("\"REJECTED\"", receiver.Received.Last().Body);
    }

    [Fact]
    public async Task ServiceNow_auto_approve_decides_new_tickets_in_the_background()
    {
        // task brief: AutoApproveAfter decides each new ticket after the delay
        await using var receiver = await CallbackReceiver.StartAsync(failuresFirst: 0);
        await using var sn = new ServiceNowSimulator(new ServiceNowSimulatorOptions { AutoApproveAfter = TimeSpan.FromMilliseconds(50) });
        await sn.StartAsync();
        using var client = ServiceNowClient(sn);

        using var created = await client.PostAsync("/api/x_conduit/appapproval/request", Json(ApprovalRequest("req-auto", receiver.Url)));

        Assert.True(await PollAsync(() => Task.FromResult(receiver.Received.Count == 1)));
        Assert.Equal("approved", sn.FindByRequestId("req-auto")!.Approval);
    }

    // ---------------------------------------------------------------- Slack

    [Fact]
    public async Task Slack_webhook_answers_plain_ok_and_app_webhook_ignores_channel_override()
    {
        // servicenow-and-slack.md §7: 200 body exactly "ok"; app webhooks cannot change the channel
        await using var slack = new SlackSimulator();
        await slack.StartAsync();
        using var client = new HttpClient();
        var hook = slack.CreateWebhook("#app-approvals");

        using var response = await client.PostAsJsonAsync(hook, new { text = "REQ0010010 needs approval", channel = "#general" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var message = Assert.Single(slack.Messages);
        Assert.Equal("#app-approvals", message.Channel);
        Assert.Equal("#general", message.RequestedChannel);
        Assert.Matches(@"/services/T\d{8}/B\d{8}/[A-Za-z0-9]{24}$", hook);
    }

    [Fact]
    public async Task Slack_unknown_or_disabled_webhook_gets_404_no_service()
    {
        // servicenow-and-slack.md §7.1: 404 no_service
        await using var slack = new SlackSimulator();
        await slack.StartAsync();
        using var client = new HttpClient();
        var hook = slack.CreateWebhook();
        slack.DisableWebhook(hook);

        using var disabled = await client.PostAsJsonAsync(hook, new { text = "hi" });
        using var unknown = await client.PostAsJsonAsync(new Uri(slack.BaseUrl, "/services/T1/B1/nope"), new { text = "hi" });

        Assert.Equal(HttpStatusCode.NotFound, disabled.StatusCode);
        Assert.Equal("no_service", await disabled.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("no_service", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Slack_payload_without_text_gets_no_text_and_bad_json_gets_invalid_payload()
    {
        // servicenow-and-slack.md §7.1: 400 no_text, 400 invalid_payload; §8: ≤ 10 section fields
        await using var slack = new SlackSimulator(new SlackSimulatorOptions { RateLimit = false });
        await slack.StartAsync();
        using var client = new HttpClient();
        var hook = slack.CreateWebhook();
        var elevenFields = Enumerable.Range(0, 11).Select(i => new { type = "mrkdwn", text = $"f{i}" }).ToArray();

        using var noText = await client.PostAsJsonAsync(hook, new { channel = "#x" });
        using var badJson = await client.PostAsync(hook, new StringContent("{\"text\":", Encoding.UTF8, "application/json"));
        using var badBlocks = await client.PostAsJsonAsync(hook, new { text = "t", blocks = new object[] { new { type = "section", fields = elevenFields } } });

        Assert.Equal(HttpStatusCode.BadRequest, noText.StatusCode);
        Assert.Equal("no_text", await noText.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Equal("invalid_payload", await badJson.Content.ReadAsStringAsync());
        Assert.Equal("invalid_blocks", await badBlocks.Content.ReadAsStringAsync());
        Assert.Empty(slack.Messages);
    }

    [Fact]
    public async Task Slack_webhook_answers_429_with_retry_after_once_the_burst_is_spent()
    {
        // servicenow-and-slack.md §7.2: ~1 msg/s with short bursts; 429 + Retry-After: 1, empty body
        await using var slack = new SlackSimulator(new SlackSimulatorOptions { Burst = 3 });
        await slack.StartAsync();
        using var client = new HttpClient();
        var hook = slack.CreateWebhook();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 4; i++)
        {
            var response = await client.PostAsJsonAsync(hook, new { text = $"m{i}" });
            statuses.Add(response.StatusCode);
            limited = response;
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(TimeSpan.FromSeconds(1), limited!.Headers.RetryAfter!.Delta);
        Assert.Empty(await limited.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, slack.Messages.Count);
        limited.Dispose();
    }

    // ---------------------------------------------------------------- helpers

    private static async Task<bool> PollAsync(Func<Task<bool>> condition, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>A stand-in for the hub's approval callback endpoint: records bodies, can fail first.</summary>
    private sealed class CallbackReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string ContentType, string Body)> _received = new();
        private int _failuresLeft;

        private CallbackReceiver(WebApplication app, int failuresFirst)
        {
            _app = app;
            _failuresLeft = failuresFirst;
        }

        public string Url { get; private set; } = "";

        public IReadOnlyList<(string ContentType, string Body)> Received => _received.ToArray();

        public static async Task<CallbackReceiver> StartAsync(int failuresFirst)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new CallbackReceiver(app, failuresFirst);
            app.MapPost("/approvals/callback/{token}", async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                receiver._received.Enqueue((context.Request.ContentType ?? "", await reader.ReadToEndAsync()));
                return Interlocked.Decrement(ref receiver._failuresLeft) >= 0 ? Results.StatusCode(503) : Results.Ok();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver.Url = address + "/approvals/callback/tok123";
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
