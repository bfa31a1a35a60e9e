using System.Diagnostics;
using System.Text.Json;
using Conduit.Simulators;

namespace Conduit.Tests.Simulators;

/// <summary>Slack's official Node client (@slack/webhook, pinned in tests/slack-node) against the Slack simulator.</summary>
public sealed class SlackNodeClientTests
{
    [Fact]
    public async Task Official_client_gets_ok_for_a_message_with_blocks()
    {
        // servicenow-and-slack.md §7 / §9 Slack 1: POST /services/T/B/secret → 200, body exactly "ok".
        await using var slack = new SlackSimulator();
        await slack.StartAsync();
        var hook = slack.CreateWebhook("#app-approvals");

        var result = await SendAsync(hook, "ok");

        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal("ok", result.GetProperty("text").GetString());
        var message = Assert.Single(slack.Messages);
        Assert.Equal("REQ0010010 needs approval", message.Text);
        Assert.Contains("Approval needed: REQ0010010", message.BlocksJson);
    }

    [Fact]
    public async Task Official_client_gets_404_no_service_for_a_removed_hook()
    {
        // servicenow-and-slack.md §7.1 / §9 Slack 2: disabled or unknown webhook → 404 no_service.
        await using var slack = new SlackSimulator();
        await slack.StartAsync();
        var hook = slack.CreateWebhook();
        slack.DisableWebhook(hook);

        var result = await SendAsync(hook, "text");

        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal(404, result.GetProperty("status").GetInt32());
        Assert.Equal("no_service", result.GetProperty("text").GetString());
        Assert.Equal("slack_webhook_http_error", result.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Official_client_gets_400_no_text_for_an_empty_message()
    {
        // servicenow-and-slack.md §7.1 / §9 Slack 3: neither text nor blocks → 400 no_text.
        await using var slack = new SlackSimulator();
        await slack.StartAsync();
        var hook = slack.CreateWebhook();

        var result = await SendAsync(hook, "empty");

        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal(400, result.GetProperty("status").GetInt32());
        Assert.Equal("no_text", result.GetProperty("text").GetString());
        Assert.Empty(slack.Messages);
    }

    private static async Task<JsonElement> SendAsync(string url, string mode)
    {
        var folder = Path.Combine(RepoRoot(), "tests", "slack-node");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@slack", "webhook")))
        {
            var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
            Assert.Fail($"{folder}/node_modules is missing{(ci ? " on CI" : "")}: run ./test.sh (it runs `npm ci` in tests/slack-node) "
                + "or `cd tests/slack-node && npm ci` once.");
        }
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("send.mjs");
        start.ArgumentList.Add(url);
        start.ArgumentList.Add(mode);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"node is not installed or not on PATH ({ex.Message}): run ./test.sh, which installs nodejs and npm.");
            throw;
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var output = (await stdout).Trim();
            Assert.True(process.ExitCode == 0 && output.Length > 0, $"node send.mjs exited {process.ExitCode}: {output} {await stderr}");
            return JsonDocument.Parse(output.Split('\n')[^1]).RootElement.Clone();
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conduit.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Conduit.slnx not found above " + AppContext.BaseDirectory);
    }
}
