using System.Net.Http.Json;
using System.Text;
using Conduit.Simulators;
using Conduit.Storage;
using Conduit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conduit.Tests.Connectors;

/// <summary>Secrets are encrypted at rest, never logged, and a lost key ring stops the start with a clear message.</summary>
public sealed class SecretSafetyTests
{
    private static readonly UemSimulatorOptions UemSecrets = new() { Password = "uem-Pa55-word-7781", TenantCode = "TENANT-7f3c9a", InstallDelay = TimeSpan.FromMilliseconds(100) };
    private static readonly ServiceNowSimulatorOptions SnSecrets = new() { Password = "sn-Pa55-word-4412", OAuthClientSecret = "sn-client-secret-99", CallbackRetryDelay = TimeSpan.FromMilliseconds(100) };

    private static string[] Secrets(string webhook) =>
        [UemSecrets.Password, UemSecrets.TenantCode, SnSecrets.Password, SnSecrets.OAuthClientSecret, new Uri(webhook).AbsolutePath.Split('/')[^1], TestHub.AdminKey, TestHub.IntakeKey];

    [Fact]
    public async Task No_secret_is_in_the_database_file_in_plaintext()
    {
        await using var uem = new UemSimulator(UemSecrets);
        await using var sn = new ServiceNowSimulator(SnSecrets);
        await using var slack = new SlackSimulator();
        await uem.StartAsync();
        await sn.StartAsync();
        await slack.StartAsync();
        var hook = slack.CreateWebhook();
        await using var hub = await TestHub.StartAsync();
        await hub.ConfigureConnectorsAsync(uem, sn, slack, slackHook: hook);

        // The WAL holds recent commits until a checkpoint: read both files, as bytes.
        var bytes = File.ReadAllBytes(hub.DatabasePath).Concat(File.Exists(hub.DatabasePath + "-wal") ? File.ReadAllBytes(hub.DatabasePath + "-wal") : []).ToArray();

        Assert.True(bytes.Length > 10_000);
        foreach (var secret in Secrets(hook))
        {
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)));
        }
        Assert.NotEqual(-1, bytes.AsSpan().IndexOf("conduit-api"u8)); // the user name is not a secret: proves we searched the right bytes
    }

    [Fact]
    public async Task No_secret_appears_in_any_log_line_during_a_full_flow_and_connector_checks()
    {
        var logs = new CapturingLoggerProvider();
        await using var uem = new UemSimulator(UemSecrets);
        await using var sn = new ServiceNowSimulator(SnSecrets with { AutoApproveAfter = TimeSpan.FromMilliseconds(50) });
        await using var slack = new SlackSimulator(new SlackSimulatorOptions { RateLimit = false });
        await uem.StartAsync();
        await sn.StartAsync();
        await slack.StartAsync();
        var hook = slack.CreateWebhook();
        await using var hub = await TestHub.StartAsync(
            s => s["Logging:LogLevel:Default"] = "Trace",
            services: services => services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        await hub.ConfigureConnectorsAsync(uem, sn, slack, slackHook: hook);

        var id = await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: 11));
        await hub.WaitForStatusAsync(id, "Installed");
        foreach (var kind in new[] { "uem", "servicenow", "slack" }) await hub.Admin.PostAsync($"/api/v1/connectors/{kind}/test", null);
        await hub.Admin.PutAsJsonAsync("/api/v1/connectors/uem", new { baseUrl = uem.BaseUrl.ToString(), userName = "conduit-api", password = "wrong" });
        await hub.Admin.PostAsync("/api/v1/connectors/uem/test", null); // a failure path too
        slack.DisableWebhook(hook);
        await hub.Admin.PostAsync("/api/v1/connectors/slack/test", null);

        var all = string.Join("\n", logs.Lines);
        Assert.True(logs.Lines.Count > 30, $"expected a busy log, got {logs.Lines.Count} lines");
        foreach (var secret in Secrets(hook))
        {
            Assert.False(all.Contains(secret, StringComparison.Ordinal), $"a secret is in the log: {logs.Lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal))}");
        }
        var callbackUrl = sn.FindByRequestId(id.ToString())!.UUemCallbackUrl;
        var token = callbackUrl[(callbackUrl.LastIndexOf('/') + 1)..];
        Assert.False(all.Contains(token, StringComparison.Ordinal), $"the callback token is in the log: {logs.Lines.FirstOrDefault(l => l.Contains(token, StringComparison.Ordinal))}");
    }

    [Fact]
    public async Task A_lost_key_ring_stops_the_start_with_a_message_that_says_so_and_how_to_recover()
    {
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        var dir = Directory.CreateTempSubdirectory("conduit-keyring-").FullName;
        await using (var hub = await TestHub.StartAsync(dataDir: dir))
        {
            await hub.ConfigureConnectorsAsync(uem, null);
        }
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "conduit.db")};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "DELETE FROM DataProtectionKeys";
            Assert.True(cmd.ExecuteNonQuery() > 0);
        }

        var startup = await TestHub.StartupFailureAsync(dataDir: dir);
        Assert.Contains("cannot be decrypted", startup.Message);
        Assert.Contains("key ring", startup.Message);
        Assert.Contains("DiscardUnreadableSecrets", startup.Message);

        await using (var recovered = await TestHub.StartAsync(s => s["Conduit:Connectors:DiscardUnreadableSecrets"] = "true", dataDir: dir))
        {
            var connectors = await recovered.Admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>("/api/v1/connectors");
            Assert.False(connectors!.Single(c => c!["kind"]!.ToString() == "uem")!["configured"]!.GetValue<bool>());
        }
        Directory.Delete(dir, recursive: true);
    }
}
