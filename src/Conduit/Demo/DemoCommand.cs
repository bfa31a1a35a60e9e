using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conduit.Hosting;
using Conduit.Security;
using Conduit.Simulators;
using Conduit.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Conduit.Demo;

/// <summary>`conduit demo`: the hub plus simulated UEM, ServiceNow and Slack on loopback, connected and seeded, waiting for a first request.</summary>
public static class DemoCommand
{
    public const int UemPort = 5081, ServiceNowPort = 5082, SlackPort = 5083;

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        await using var uem = new UemSimulator(new UemSimulatorOptions { DeviceCount = 50, UserCount = 20, InstallDelay = TimeSpan.FromSeconds(5) });
        await using var serviceNow = new ServiceNowSimulator();
        await using var slack = new SlackSimulator();
        await StartOnAsync(uem, UemPort, "UEM", ct);
        await StartOnAsync(serviceNow, ServiceNowPort, "ServiceNow", ct);
        await StartOnAsync(slack, SlackPort, "Slack", ct);

        var adminKey = ApiKeyStore.Generate("admin");
        var intakeKey = ApiKeyStore.Generate("intake");
        string[] demoDefaults =
        [
            "--ConnectionStrings:Conduit=Data Source=data/demo.db",
            $"--Conduit:AdminApiKey={adminKey}",
            $"--Conduit:IntakeApiKey={intakeKey}",
            "--Conduit:Connectors:AllowInsecureLoopback=true",
            "--Conduit:AppApprovals:InstallPollInterval=00:00:02",
        ];
        // Anything given on the command line comes last and wins.
        var app = ConduitHost.CreateBuilder([.. demoDefaults, .. args]).Build();
        app.MapConduit();
        await app.StartAsync(ct);
        await using var _ = app;
        var hubUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        using var admin = new HttpClient { BaseAddress = hubUrl };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        await PutAsync(admin, "uem", new { baseUrl = uem.BaseUrl.ToString(), userName = uem.Options.UserName, password = uem.Options.Password, tenantCode = uem.Options.TenantCode }, ct);
        await PutAsync(admin, "servicenow", new
        {
            baseUrl = serviceNow.BaseUrl.ToString(), userName = serviceNow.Options.UserName, password = serviceNow.Options.Password,
            apiNamespace = serviceNow.Options.ApiNamespace,
        }, ct);
        await PutAsync(admin, "slack", new { webhookUrl = slack.CreateWebhook("#app-approvals"), defaultChannel = "#app-approvals" }, ct);

        Console.WriteLine(Banner(hubUrl, adminKey, intakeKey, uem, serviceNow, slack));
        await app.WaitForShutdownAsync(ct);
        return 0;
    }

    private static async Task StartOnAsync(SimulatorBase simulator, int port, string name, CancellationToken ct)
    {
        try
        {
            await simulator.StartAsync($"http://127.0.0.1:{port}", ct);
        }
        catch (Exception ex) when (ex is IOException or SocketException || ex.InnerException is SocketException)
        {
            throw new StartupException($"the {name} simulator cannot listen on 127.0.0.1:{port} (is another demo running?): {ex.Message}");
        }
    }

    private static async Task PutAsync(HttpClient admin, string kind, object body, CancellationToken ct)
    {
        var response = await admin.PutAsJsonAsync($"/api/v1/connectors/{kind}", body, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new StartupException($"configuring the {kind} connector failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    private static string Banner(Uri hub, string adminKey, string intakeKey, UemSimulator uem, ServiceNowSimulator serviceNow, SlackSimulator slack)
    {
        var device = uem.GetDevice(1);
        var user = uem.GetUser(device.UserId);
        var app = uem.Apps.First(a => a.RequiresApproval);
        var body = new JsonObject
        {
            ["RequestFor"] = new JsonObject
            {
                ["UserId"] = user.Id.ToString(),
                ["UserAttributes"] = new JsonObject { ["user_name"] = user.UserName, ["last_name"] = user.LastName, ["first_name"] = user.FirstName, ["email"] = user.Email },
            },
            ["Domain"] = "DEMO",
            ["DeviceId"] = device.Id,
            ["DeviceProperties"] = new JsonObject { ["name"] = device.FriendlyName, ["device_udid"] = device.Udid, ["platform"] = "Windows 11" },
            ["Notes"] = "Needed for the quarterly report",
            ["CatalogItem"] = new JsonObject
            {
                ["Id"] = app.Id.ToString(), ["Name"] = app.Name, ["Categories"] = null,
                ["Properties"] = new JsonObject { ["package_id"] = app.BundleId, ["version"] = app.Version, ["platform"] = "WinRT" },
            },
        };
        var origin = hub.ToString().TrimEnd('/');
        var apps = string.Join("\n", uem.Apps.Select(a => $"     {a.Id,-4} {a.Name} ({a.AppType}{(a.RequiresApproval ? ", requires approval" : "")})"));
        return $"""

            ─────────────────────────────────────────────────────────────────────────────
             Conduit demo is running. Nothing has been requested yet.

             Hub            {origin}   (OpenAPI: {origin}/openapi/v1.json)
             Admin key      {adminKey}
             Intake key     {intakeKey}
             ServiceNow     {serviceNow.BaseUrl}   ← approver page: Approve / Reject here
             Slack          {slack.BaseUrl}   ← #app-approvals, one message per step
             UEM            {uem.BaseUrl}API   (50 Windows devices, 20 users)
             Apps in the UEM catalog:
            {apps}

             1. Request {app.Name} for {user.UserName} on {device.FriendlyName} (what the Hub catalog's Request button sends):

                curl -s -X POST {origin}/api/v1/app-requests -H "Authorization: Bearer {intakeKey}" -H "Content-Type: application/json" -d '{body.ToJsonString()}'

             2. Watch it (status, uemStatus, hubStatus, ticket, timeline):

                curl -s {origin}/api/v1/app-requests/<requestId> -H "Authorization: Bearer {adminKey}"

             3. Open {serviceNow.BaseUrl} and press Approve: within seconds the request goes
                Approved → InstallCommandDispatched → Installed (the device reports after ~5 s).
                Press Reject on another to see Rejected ("Request" again in the catalog).

             Data: data/demo.db. Stop with Ctrl+C; start again and in-flight requests carry on.
            ─────────────────────────────────────────────────────────────────────────────
            """;
    }
}
