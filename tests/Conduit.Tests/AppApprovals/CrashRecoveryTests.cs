using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Conduit.Simulators;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.AppApprovals;

/// <summary>Nothing accepted is lost: the hub process is killed with SIGKILL mid-flight and restarted on the same database.</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task Requests_in_flight_survive_kill_9_and_each_app_is_installed_exactly_once()
    {
        await using var uem = new UemSimulator(new UemSimulatorOptions { InstallDelay = TimeSpan.FromMilliseconds(400), DeviceCount = 200 });
        await using var serviceNow = new ServiceNowSimulator(new ServiceNowSimulatorOptions
        {
            AutoApproveAfter = TimeSpan.FromMilliseconds(150),
            // The REST step's retry policy covers the hub's restart window, as a real flow would be configured to.
            CallbackAttempts = 80,
            CallbackRetryDelay = TimeSpan.FromMilliseconds(250),
        });
        await uem.StartAsync();
        await serviceNow.StartAsync();
        var dataDir = Directory.CreateTempSubdirectory("conduit-crash-").FullName;
        var port = HubProcess.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Conduit:PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Conduit:AppApprovals:InstallPollInterval"] = "00:00:00.200",
            ["Conduit:Jobs:PollInterval"] = "00:00:00.100",
        };

        var accepted = new ConcurrentBag<(Guid Id, int Device, int App)>();
        var first = await HubProcess.StartAsync(port, dataDir, settings);
        await using (first)
        {
            using var admin = first.Client(TestHub.AdminKey);
            await TestHub.ConfigureConnectorsAsync(admin, uem, serviceNow);
            using var intake = first.Client(TestHub.IntakeKey);

            // A steady stream of requests; the kill lands while earlier ones are at every stage of the flow.
            var apps = new[] { 101, 201, 301 };
            var submitting = Task.Run(async () =>
            {
                for (var device = 1; device <= 60; device++)
                {
                    var app = apps[device % apps.Length];
                    try
                    {
                        var response = await intake.PostAsJsonAsync("/api/v1/app-requests", Requests.For(uem, device, app));
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            var body = await response.Content.ReadFromJsonAsync<JsonObject>();
                            accepted.Add((Guid.Parse(body!["requestId"]!.ToString()), device, app));
                        }
                    }
                    catch (HttpRequestException)
                    {
                        break; // the hub is gone; only answered (202) requests are promises
                    }
                    await Task.Delay(15);
                }
            });

            await Eventually.TrueAsync(() => uem.InstallCommands.Count >= 5, "a few installs before the crash", TimeSpan.FromSeconds(30));
            await first.KillAsync();
            await submitting;
        }

        Assert.True(accepted.Count >= 5, $"only {accepted.Count} requests were accepted before the kill");
        var installedBeforeRestart = uem.InstallCommands.Count;
        Assert.True(installedBeforeRestart < accepted.Count, "the kill should land while accepted requests are still in flight");
        await using var second = await HubProcess.StartAsync(port, dataDir, settings);
        using var reader = second.Client(TestHub.AdminKey);
        foreach (var (id, _, _) in accepted)
        {
            await Eventually.GetAsync(
                async () => await reader.GetFromJsonAsync<JsonObject>($"/api/v1/app-requests/{id}"),
                r => r!["status"]!.ToString() == "Installed", TimeSpan.FromSeconds(90), $"request {id} to be Installed after the restart");
        }

        foreach (var (id, device, app) in accepted)
        {
            Assert.Equal(1, uem.InstallCount(app, device));
            Assert.NotNull(serviceNow.FindByRequestId(id.ToString()));
        }
        // A request the hub stored just before the kill may have lost its 202 on the way out: it still runs (it was
        // committed), so there can be more installs than 202s seen — but never two for one request.
        Assert.All(uem.InstallCommands.GroupBy(c => (c.AppId, c.DeviceId)), g => Assert.Single(g));
        try { Directory.Delete(dataDir, true); } catch (IOException) { }
    }
}
