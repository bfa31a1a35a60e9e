using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Conduit.Simulators;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Connectors;

public sealed class ConnectorActionsTests
{
    [Fact]
    public async Task Slack_post_message_sends_text_and_blocks_and_maps_errors()
    {
        await using var slack = new SlackSimulator(new SlackSimulatorOptions { RateLimit = false });
        await slack.StartAsync();
        await using var hub = await TestHub.StartAsync();
        var hook = slack.CreateWebhook();
        await hub.ConfigureConnectorsAsync(null, null, slack, slackHook: hook);

        var ok = await hub.Admin.PostAsJsonAsync("/api/v1/connectors/slack/actions/post-message", new
        {
            text = "Patch window tonight", blocks = new object[] { new { type = "section", text = new { type = "mrkdwn", text = "*Patch window* tonight" } } },
        });
        var invalid = await hub.Admin.PostAsJsonAsync("/api/v1/connectors/slack/actions/post-message", new { channel = "#x" });
        slack.DisableWebhook(hook);
        var dead = await hub.Admin.PostAsJsonAsync("/api/v1/connectors/slack/actions/post-message", new { text = "hello" });

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var message = Assert.Single(slack.Messages);
        Assert.Equal("Patch window tonight", message.Text);
        Assert.Contains("Patch window", message.BlocksJson);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, dead.StatusCode);
        Assert.Contains("no_service", await dead.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Slack_messages_are_paced_to_about_one_per_second_and_none_is_dropped()
    {
        await using var slack = new SlackSimulator(new SlackSimulatorOptions { RateLimit = true, Burst = 3 });
        await slack.StartAsync();
        await using var hub = await TestHub.StartAsync();
        await hub.ConfigureConnectorsAsync(null, null, slack);

        var sends = Enumerable.Range(1, 5).Select(i => hub.Admin.PostAsJsonAsync("/api/v1/connectors/slack/actions/post-message", new { text = $"message {i}" }));
        var responses = await Task.WhenAll(sends);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(5, slack.Messages.Count); // the simulator answers 429 past its burst: pacing kept every message under the limit
    }

    [Fact]
    public async Task A_429_from_Slack_despite_the_pacing_is_waited_out_and_the_message_still_sent()
    {
        // Slack allows one message at a time here while the hub's pacer lets three go at once: the second and third
        // get 429 with Retry-After: 1, and must still arrive.
        await using var slack = new SlackSimulator(new SlackSimulatorOptions { RateLimit = true, Burst = 1 });
        await slack.StartAsync();
        await using var hub = await TestHub.StartAsync();
        await hub.ConfigureConnectorsAsync(null, null, slack);

        var sends = Enumerable.Range(1, 3).Select(i => hub.Admin.PostAsJsonAsync("/api/v1/connectors/slack/actions/post-message", new { text = $"message {i}" }));
        var responses = await Task.WhenAll(sends);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(3, slack.Messages.Count);
    }

    [Fact]
    public async Task ServiceNow_create_record_makes_an_incident_through_the_Table_API()
    {
        await using var sn = new ServiceNowSimulator();
        await sn.StartAsync();
        await using var hub = await TestHub.StartAsync();
        await hub.ConfigureConnectorsAsync(null, sn);

        var created = await hub.Admin.PostAsJsonAsync("/api/v1/connectors/servicenow/actions/create-record", new
        {
            table = "incident", fields = new { short_description = "Disk full on WIN-LAPTOP-000007", urgency = "2", impact = "2" },
        });
        var badTable = await hub.Admin.PostAsJsonAsync("/api/v1/connectors/servicenow/actions/create-record", new { table = "no_such_table", fields = new { a = "b" } });
        var invalid = await hub.Admin.PostAsJsonAsync("/api/v1/connectors/servicenow/actions/create-record", new { table = "Incident!", fields = new { } });

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonObject>();
        Assert.StartsWith("INC", body!["number"]!.ToString());
        Assert.Equal(32, body["sysId"]!.ToString().Length);
        Assert.Equal("3", body["record"]!["priority"]!.ToString()); // computed by ServiceNow from impact 2 × urgency 2
        Assert.Equal(HttpStatusCode.BadGateway, badTable.StatusCode);
        Assert.Contains("Invalid table", await badTable.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }
}
