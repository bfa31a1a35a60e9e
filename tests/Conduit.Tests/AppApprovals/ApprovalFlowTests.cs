using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Conduit.Simulators;
using Conduit.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Conduit.Tests.AppApprovals;

/// <summary>The app-approval flow end to end: real hub on Kestrel, real SQLite file, simulators over HTTP.</summary>
public sealed class ApprovalFlowTests : IAsyncLifetime
{
    private readonly UemSimulator _uem = new(new UemSimulatorOptions { InstallDelay = TimeSpan.FromMilliseconds(150) });
    private readonly ServiceNowSimulator _serviceNow = new(new ServiceNowSimulatorOptions { CallbackRetryDelay = TimeSpan.FromMilliseconds(100) });
    private readonly SlackSimulator _slack = new(new SlackSimulatorOptions { RateLimit = false });

    public async Task InitializeAsync()
    {
        await _uem.StartAsync();
        await _serviceNow.StartAsync();
        await _slack.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _uem.DisposeAsync();
        await _serviceNow.DisposeAsync();
        await _slack.DisposeAsync();
    }

    private async Task<TestHub> HubAsync(TimeProvider? time = null, Action<Dictionary<string, string?>>? configure = null, string? apiNamespace = null)
    {
        var hub = await TestHub.StartAsync(configure, time);
        await hub.ConfigureConnectorsAsync(_uem, _serviceNow, _slack, apiNamespace: apiNamespace);
        return hub;
    }

    private async Task<ServiceNowTicket> TicketForAsync(Guid id) =>
        await Eventually.GetAsync(() => Task.FromResult(_serviceNow.FindByRequestId(id.ToString())), t => t is not null, null, $"a ticket for {id}") ?? throw new InvalidOperationException();

    [Fact]
    public async Task Approved_request_dispatches_exactly_one_install_and_reaches_Installed()
    {
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: 3, appId: 101));

        var pending = await hub.WaitForStatusAsync(id, "PendingApproval");
        Assert.Equal("Pending Approval", pending["uemStatus"]!.ToString());
        Assert.Equal("Pending", pending["hubStatus"]!.ToString());
        var ticket = await TicketForAsync(id);
        Assert.Equal(ticket.Number, pending["ticket"]!["number"]!.ToString());

        Assert.Equal(200, await _serviceNow.DecideAsync(ticket.SysId, approve: true, notes: "ok for Q3"));
        var installed = await hub.WaitForStatusAsync(id, "Installed");

        Assert.Equal("Installed", installed["uemStatus"]!.ToString());
        Assert.Equal("Installed", installed["hubStatus"]!.ToString());
        Assert.Equal(1, _uem.InstallCount(101, 3));
        Assert.Single(_uem.InstallCommands);
        Assert.Equal("Internal", _uem.InstallCommands[0].AppType, ignoreCase: true);
        var path = installed["timeline"]!.AsArray().Where(t => t!["to"] is not null).Select(t => t!["to"]!.ToString()).ToList();
        Assert.Equal(["Submitted", "PendingApproval", "Approved", "InstallCommandDispatched", "Installed"], path);
    }

    [Fact]
    public async Task Polling_waits_for_the_device_traces_what_it_saw_and_ends_Installed_when_the_device_reports()
    {
        await using var slowUem = new UemSimulator(new UemSimulatorOptions { InstallDelay = TimeSpan.MaxValue });
        await slowUem.StartAsync();
        await using var hub = await TestHub.StartAsync();
        await hub.ConfigureConnectorsAsync(slowUem, _serviceNow);
        var id = await hub.SubmitAcceptedAsync(Requests.For(slowUem, deviceId: 12));
        await hub.WaitForStatusAsync(id, "PendingApproval");
        await _serviceNow.DecideAsync((await TicketForAsync(id)).SysId, approve: true);

        var dispatched = await Eventually.GetAsync(() => hub.GetRequestAsync(id),
            r => r["timeline"]!.AsArray().Any(t => t!["detail"]!.ToString().StartsWith("not installed yet")), null, "a polling trace");
        Assert.Equal("InstallCommandDispatched", dispatched["status"]!.ToString());
        Assert.Equal("Installing", dispatched["hubStatus"]!.ToString());
        await Task.Delay(500); // several more polls, all seeing the same: one trace, not one per poll
        Assert.Single((await hub.GetRequestAsync(id))["timeline"]!.AsArray(), t => t!["detail"]!.ToString().StartsWith("not installed yet"));

        slowUem.ReportInstalled(101, 12);
        await hub.WaitForStatusAsync(id, "Installed");
        Assert.Equal(1, slowUem.InstallCount(101, 12));
    }

    [Fact]
    public async Task A_request_waits_for_an_unconfigured_connector_and_goes_on_as_soon_as_it_is_saved()
    {
        await using var hub = await TestHub.StartAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem));

        var waiting = await Eventually.GetAsync(() => hub.GetRequestAsync(id),
            r => r["timeline"]!.AsArray().Any(t => t!["detail"]!.ToString().StartsWith("waiting for the servicenow connector")), null, "a waiting note");
        Assert.Equal("Submitted", waiting["status"]!.ToString()); // not Error: nothing failed, and no attempt was used up

        // Later requests are parked too, and a parked request gets its note once, not once per look.
        var later = await hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: 2));
        await Eventually.GetAsync(() => hub.GetRequestAsync(later),
            r => r["timeline"]!.AsArray().Any(t => t!["detail"]!.ToString().StartsWith("waiting for the servicenow connector")), null, "a waiting note");
        var first = await hub.GetRequestAsync(id);
        Assert.Single(first["timeline"]!.AsArray(), t => t!["detail"]!.ToString().StartsWith("waiting for the servicenow connector"));

        await hub.ConfigureConnectorsAsync(_uem, _serviceNow);
        // The job would look again after a minute; saving the connector wakes it now.
        await hub.WaitForStatusAsync(id, "PendingApproval", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_install_whose_answer_was_lost_is_not_sent_twice()
    {
        // UEM takes the install command, then the connection drops before the 202 reaches the hub.
        _uem.Faults.Add(new FaultRule { PathContains = "/install", Method = "POST", DropResponse = true, Count = 1 });
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: 14));
        await hub.WaitForStatusAsync(id, "PendingApproval");

        await _serviceNow.DecideAsync((await TicketForAsync(id)).SysId, approve: true);
        var installed = await hub.WaitForStatusAsync(id, "Installed");

        Assert.Equal(1, _uem.Faults.Hits);
        Assert.Equal(1, _uem.InstallCount(101, 14));
        Assert.Contains(installed["timeline"]!.AsArray(), t => t!["detail"]!.ToString().Contains("already present on the device"));
    }

    [Theory]
    [InlineData(201, "Public")]
    [InlineData(301, "Purchased")]
    public async Task Install_uses_the_path_of_the_apps_type(int appId, string type)
    {
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: 4, appId: appId));
        await _serviceNow.DecideAsync((await TicketForAsync(id)).SysId, approve: true);
        await hub.WaitForStatusAsync(id, "Installed");
        var command = Assert.Single(_uem.InstallCommands);
        Assert.Equal(type, command.AppType, ignoreCase: true);
        Assert.Equal(appId, command.AppId);
    }

    [Fact]
    public async Task Rejected_request_ends_Rejected_shows_Request_and_installs_nothing()
    {
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem));
        await hub.WaitForStatusAsync(id, "PendingApproval");

        Assert.Equal(200, await _serviceNow.DecideAsync((await TicketForAsync(id)).SysId, approve: false, notes: "too expensive"));
        var rejected = await hub.WaitForStatusAsync(id, "Rejected");

        Assert.Equal("Rejected", rejected["uemStatus"]!.ToString());
        Assert.Equal("Request", rejected["hubStatus"]!.ToString());
        Assert.Equal("REJECTED", rejected["decision"]!["approvalStatus"]!.ToString());
        Assert.Empty(_uem.InstallCommands);

        // The user may ask again once nothing is active for the pair.
        Assert.Equal(HttpStatusCode.Accepted, (await hub.SubmitAsync(Requests.For(_uem))).StatusCode);
    }

    [Fact]
    public async Task Undecided_request_expires_after_14_days_and_a_late_approval_gets_409_without_install()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = await HubAsync(time);
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem));
        var pending = await hub.WaitForStatusAsync(id, "PendingApproval");
        Assert.Equal(time.GetUtcNow().AddDays(14).ToUnixTimeMilliseconds(), DateTimeOffset.Parse(pending["dueDate"]!.ToString()).ToUnixTimeMilliseconds());

        time.Advance(TimeSpan.FromDays(14) - TimeSpan.FromMinutes(1));
        await Task.Delay(300);
        Assert.Equal("PendingApproval", (await hub.GetRequestAsync(id))["status"]!.ToString());

        time.Advance(TimeSpan.FromMinutes(2));
        var expired = await hub.WaitForStatusAsync(id, "Expired");
        Assert.Equal("Expired", expired["uemStatus"]!.ToString());
        Assert.Equal("Request", expired["hubStatus"]!.ToString());

        Assert.Equal(409, await _serviceNow.DecideAsync((await TicketForAsync(id)).SysId, approve: true));
        await Task.Delay(300);
        Assert.Equal("Expired", (await hub.GetRequestAsync(id))["status"]!.ToString());
        Assert.Empty(_uem.InstallCommands);
    }

    [Fact]
    public async Task ServiceNow_503s_are_retried_and_the_ticket_is_created_once()
    {
        _serviceNow.Faults.Add(new FaultRule { PathContains = "/appapproval/request", StatusCode = 503, Count = 3 });
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem));

        var pending = await hub.WaitForStatusAsync(id, "PendingApproval");

        Assert.Single(_serviceNow.Tickets);
        Assert.Equal(3, _serviceNow.Faults.Hits);
        var retries = pending["timeline"]!.AsArray().Count(t => t!["detail"]!.ToString().Contains("503"));
        Assert.Equal(3, retries);
    }

    [Fact]
    public async Task ServiceNow_permanent_400_ends_in_Error_with_the_reason()
    {
        await using var hub = await HubAsync(apiNamespace: "x_wrong_namespace");
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem));

        var error = await hub.WaitForStatusAsync(id, "Error");

        Assert.Equal("Request", error["hubStatus"]!.ToString());
        Assert.Contains("400", error["errorReason"]!.ToString());
        Assert.Contains(error["timeline"]!.AsArray(), t => t!["to"]?.ToString() == "Error" && t["detail"]!.ToString().Contains("400"));
        Assert.Empty(_serviceNow.Tickets);
    }

    [Fact]
    public async Task Jobs_handed_to_the_dispatcher_directly_and_found_by_its_table_poll_run_exactly_once()
    {
        // A 10 ms table poll races every pushed ticket job between its commit and the dispatcher taking it.
        await using var hub = await HubAsync(configure: s => s["Conduit:Jobs:PollInterval"] = "00:00:00.010");
        var ids = await Task.WhenAll(Enumerable.Range(1, 50).Select(d => hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: d))));

        foreach (var id in ids) await hub.WaitForStatusAsync(id, "PendingApproval");
        await Task.Delay(300);
        var perRequest = _serviceNow.Tickets.GroupBy(t => t.UUemRequestId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(ids.Length, perRequest.Count);
        Assert.All(perRequest, kv => Assert.Equal(1, kv.Value));
    }

    [Fact]
    public async Task Duplicate_intake_with_the_same_RequestId_returns_the_existing_request()
    {
        await using var hub = await HubAsync();
        var requestId = Guid.NewGuid();
        var first = await hub.SubmitAsync(Requests.For(_uem, requestId: requestId));
        var second = await hub.SubmitAsync(Requests.For(_uem, requestId: requestId));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(requestId.ToString(), (await second.Content.ReadFromJsonAsync<JsonObject>())!["requestId"]!.ToString());
        await hub.WaitForStatusAsync(requestId, "PendingApproval");
        await Task.Delay(200);
        Assert.Single(_serviceNow.Tickets);
    }

    [Fact]
    public async Task A_second_active_request_for_the_same_user_device_and_app_is_409_naming_the_first()
    {
        await using var hub = await HubAsync();
        var first = await hub.SubmitAcceptedAsync(Requests.For(_uem));

        var second = await hub.SubmitAsync(Requests.For(_uem, requestId: Guid.NewGuid()));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType!.MediaType);
        Assert.Equal(first.ToString(), (await second.Content.ReadFromJsonAsync<JsonObject>())!["requestId"]!.ToString());
    }

    [Fact]
    public async Task Duplicate_callback_is_idempotent_and_installs_once()
    {
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: 5));
        var ticket = await TicketForAsync(id);
        Assert.Equal(200, await _serviceNow.DecideAsync(ticket.SysId, approve: true));
        await hub.WaitForStatusAsync(id, "Installed");

        using var http = new HttpClient();
        var again = await http.PostAsJsonAsync(ticket.UUemCallbackUrl, CallbackBody(id, 5, "approved"));
        var conflicting = await http.PostAsJsonAsync(ticket.UUemCallbackUrl, CallbackBody(id, 5, "REJECTED"));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflicting.StatusCode);
        Assert.Equal(1, _uem.InstallCount(101, 5));
        Assert.Equal("Installed", (await hub.GetRequestAsync(id))["status"]!.ToString());
    }

    [Fact]
    public async Task Forged_callback_token_is_404_and_changes_nothing()
    {
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem));
        await hub.WaitForStatusAsync(id, "PendingApproval");
        var real = (await TicketForAsync(id)).UUemCallbackUrl;
        var realToken = real[(real.LastIndexOf('/') + 1)..];
        var forgedMac = realToken[..^4] + (realToken[^4..] == "AAAA" ? "BBBB" : "AAAA");

        foreach (var token in new[] { forgedMac, $"{id:N}.{new string('A', 43)}", "not-a-token", Guid.NewGuid().ToString("N") })
        {
            var response = await hub.Anonymous.PostAsJsonAsync($"/api/v1/app-approvals/callbacks/{token}", CallbackBody(id, 1, "APPROVED"));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }

        await Task.Delay(200);
        var request = await hub.GetRequestAsync(id);
        Assert.Equal("PendingApproval", request["status"]!.ToString());
        Assert.Null(request["decision"]);
    }

    [Fact]
    public async Task Callback_with_mismatched_request_id_or_device_is_400_and_changes_nothing()
    {
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: 2));
        await hub.WaitForStatusAsync(id, "PendingApproval");
        var url = (await TicketForAsync(id)).UUemCallbackUrl;
        using var http = new HttpClient();

        var wrongRequest = await http.PostAsJsonAsync(url, CallbackBody(Guid.NewGuid(), 2, "APPROVED"));
        var wrongDevice = await http.PostAsJsonAsync(url, CallbackBody(id, 999, "APPROVED"));
        var wrongStatus = await http.PostAsJsonAsync(url, CallbackBody(id, 2, "MAYBE"));
        var notJson = await http.PostAsync(url, new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        foreach (var (response, field) in new[] { (wrongRequest, "request_id"), (wrongDevice, "device_id"), (wrongStatus, "approval_status"), (notJson, "") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            Assert.Contains(field, await response.Content.ReadAsStringAsync());
        }
        Assert.Equal("PendingApproval", (await hub.GetRequestAsync(id))["status"]!.ToString());
    }

    [Fact]
    public async Task Callback_accepts_numbers_and_ISO_dates_as_well_as_the_REST_steps_strings()
    {
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: 7));
        var url = (await TicketForAsync(id)).UUemCallbackUrl;
        using var http = new HttpClient();
        var body = new JsonObject
        {
            ["request_id"] = id.ToString(), ["device_id"] = 7, ["approval_status"] = "Approved",
            ["updated_by"] = "jane.approver", ["notes"] = "", ["updated_at"] = "2026-11-27T10:15:00Z",
        };

        var response = await http.PostAsJsonAsync(url, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = await hub.WaitForStatusAsync(id, "Installed");
        Assert.Equal("jane.approver", request["decision"]!["updatedBy"]!.ToString());
    }

    [Fact]
    public async Task Each_transition_posts_a_Slack_message_with_text_and_blocks()
    {
        await using var hub = await HubAsync();
        var id = await hub.SubmitAcceptedAsync(Requests.For(_uem, deviceId: 6));
        await hub.WaitForStatusAsync(id, "PendingApproval");
        await _serviceNow.DecideAsync((await TicketForAsync(id)).SysId, approve: true);
        await hub.WaitForStatusAsync(id, "Installed");

        var messages = await Eventually.GetAsync(() => Task.FromResult(_slack.Messages), m => m.Count >= 5, null, "five Slack messages");
        Assert.Equal(5, messages.Count);
        Assert.All(messages, m =>
        {
            Assert.False(string.IsNullOrWhiteSpace(m.Text));
            Assert.Contains("\"header\"", m.BlocksJson);
            Assert.Contains(id.ToString(), m.BlocksJson);
        });
        Assert.Contains(messages, m => m.Text!.Contains("Installed"));
        // Every outbound call leaves a trace in the request's timeline.
        await Eventually.GetAsync(() => hub.GetRequestAsync(id),
            r => r["timeline"]!.AsArray().Count(t => t!["actor"]!.ToString() == "Slack" && t["detail"]!.ToString().StartsWith("message for")) == 5,
            null, "five Slack traces in the timeline");
    }

    private static JsonObject CallbackBody(Guid requestId, long deviceId, string status) => new()
    {
        ["request_id"] = requestId.ToString(),
        ["device_id"] = deviceId.ToString(),
        ["approval_status"] = status,
        ["updated_by"] = "approver.admin",
        ["notes"] = "",
        ["updated_at"] = "2026-11-27 10:00:00",
    };
}
