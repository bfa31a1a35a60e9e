using System.Text.Json;
using System.Text.Json.Nodes;
using Conduit.Simulators;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.AppApprovals;

public sealed class ServiceNowPayloadTests
{
    /// <summary>The spec's sample request (seed/integrations-and-app-approvals.txt, "Set up ServiceNow to Handle Incoming App Requests"),
    /// with its closing braces restored.</summary>
    private const string SpecSample = """
    {
      "RequestId": "bffb4469-56fb-4141-9ab0-0897f65143ba",
      "RequestFor": {
        "UserId": "15",
        "UserAttributes": { "user_name": "username", "last_name": "user", "first_name": "name", "email": "" }
      },
      "Domain": "${domain}",
      "DeviceId": 123,
      "DeviceProperties": { "name": "Device Name", "device_udid": "F11C43E8307092418D7D5B0D9B48F235", "platform": "Windows 10" },
      "Notes": "Notes",
      "CatalogItem": {
        "Id": "267",
        "Name": "App Name",
        "Categories": null,
        "Properties": { "package_id": "{12345A78-40C1-2702-0000-000004000000}", "version": "9.20.0", "platform": "WinRT" }
      },
      "DueDate": 1568989813956,
      "Links": { "ApprovalNotify": { "Url": "<CallbackURL>" } }
    }
    """;

    [Fact]
    public async Task Payload_sent_to_ServiceNow_matches_the_spec_sample_key_for_key()
    {
        await using var uem = new UemSimulator();
        await using var serviceNow = new ServiceNowSimulator();
        await uem.StartAsync();
        await serviceNow.StartAsync();
        await using var hub = await TestHub.StartAsync();
        await hub.ConfigureConnectorsAsync(uem, serviceNow);

        var id = await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: 9));
        await hub.WaitForStatusAsync(id, "PendingApproval");

        var sent = JsonNode.Parse(Assert.Single(serviceNow.ReceivedApprovalRequests))!;
        Assert.Equal(Shape(JsonNode.Parse(SpecSample)!), Shape(sent));

        Assert.Equal(id.ToString(), sent["RequestId"]!.ToString());
        Assert.Equal(9, sent["DeviceId"]!.GetValue<long>());
        var request = await hub.GetRequestAsync(id);
        Assert.Equal(DateTimeOffset.Parse(request["dueDate"]!.ToString()).ToUnixTimeMilliseconds(), sent["DueDate"]!.GetValue<long>());
        var callback = sent["Links"]!["ApprovalNotify"]!["Url"]!.ToString();
        Assert.StartsWith($"{hub.BaseUrl.ToString().TrimEnd('/')}/api/v1/app-approvals/callbacks/", callback);
        Assert.DoesNotContain(id.ToString(), callback); // the token, not a guessable id, is the capability
    }

    [Fact]
    public async Task Callback_URL_uses_PublicBaseUrl_when_set()
    {
        await using var uem = new UemSimulator();
        await using var serviceNow = new ServiceNowSimulator();
        await uem.StartAsync();
        await serviceNow.StartAsync();
        await using var hub = await TestHub.StartAsync(s => s["Conduit:PublicBaseUrl"] = "https://conduit.example.com/");
        await hub.ConfigureConnectorsAsync(uem, serviceNow);

        var id = await hub.SubmitAcceptedAsync(Requests.For(uem));
        await hub.WaitForStatusAsync(id, "PendingApproval");

        var sent = JsonNode.Parse(Assert.Single(serviceNow.ReceivedApprovalRequests))!;
        Assert.StartsWith("https://conduit.example.com/api/v1/app-approvals/callbacks/", sent["Links"]!["ApprovalNotify"]!["Url"]!.ToString());
    }

    /// <summary>Every key path with the JSON kind of its value (numbers stay numbers, strings stay strings, null stays null).</summary>
    private static string Shape(JsonNode node)
    {
        var lines = new List<string>();
        Walk(node, "$", lines);
        return string.Join("\n", lines.Order(StringComparer.Ordinal));
    }

    private static void Walk(JsonNode? node, string path, List<string> lines)
    {
        switch (node)
        {
            case JsonObject obj:
                lines.Add($"{path}: object");
                foreach (var (key, child) in obj) Walk(child, $"{path}.{key}", lines);
                break;
            case null:
                lines.Add($"{path}: null");
                break;
            default:
                lines.Add($"{path}: {node.GetValueKind()}".Replace(nameof(JsonValueKind.True), "Boolean").Replace(nameof(JsonValueKind.False), "Boolean"));
                break;
        }
    }
}
