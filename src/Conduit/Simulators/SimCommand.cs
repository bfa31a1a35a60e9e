using System.Globalization;
using System.Runtime.InteropServices;

namespace Conduit.Simulators;

/// <summary>
/// <c>conduit sim uem|servicenow|slack [--urls http://127.0.0.1:PORT]</c>: runs one simulator on its own
/// until Ctrl+C / SIGTERM, printing its URL and credentials. UEM also takes <c>--devices N</c>,
/// <c>--users N</c>, <c>--hub-intake-url URL</c> and <c>--hub-intake-key KEY</c>.
/// </summary>
public static class SimCommand
{
    /// <summary>Default ports, the same as <c>conduit demo</c>.</summary>
    public const int UemPort = 5081, ServiceNowPort = 5082, SlackPort = 5083;

    public static async Task<int> RunAsync(string kind, string[] args, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = ParseArgs(args);
        var normalized = (kind ?? "").Trim().ToLowerInvariant();
        var port = normalized switch { "uem" => UemPort, "servicenow" or "snow" => ServiceNowPort, "slack" => SlackPort, _ => 0 };
        if (port == 0)
        {
            await Console.Error.WriteLineAsync($"conduit sim: unknown simulator '{kind}' (use uem, servicenow or slack)");
            return 2;
        }
        var url = options.GetValueOrDefault("urls") ?? $"http://127.0.0.1:{port}";
        if (url.Contains(';', StringComparison.Ordinal))
        {
            url = url.Split(';')[0];
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            SimulatorBase simulator;
            try
            {
                simulator = Create(normalized, options);
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync($"conduit sim: {ex.Message}");
                return 2;
            }
            await using (simulator)
            {
                try
                {
                    await simulator.StartAsync(url, stop.Token);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or UriFormatException
                                           || ex.InnerException is System.Net.Sockets.SocketException)
                {
                    await Console.Error.WriteLineAsync($"conduit sim: the {normalized} simulator cannot listen on {url}: {ex.Message}");
                    return 1;
                }
                Console.WriteLine(Describe(simulator));
                Console.WriteLine("Press Ctrl+C to stop.");
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C, SIGTERM or the caller's token: stop normally.
                }
            }
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static SimulatorBase Create(string kind, Dictionary<string, string> options)
    {
        switch (kind)
        {
            case "uem":
                var uem = new UemSimulatorOptions();
                if (options.TryGetValue("devices", out var devices))
                {
                    uem = uem with { DeviceCount = ParseCount("devices", devices) };
                }
                if (options.TryGetValue("users", out var users))
                {
                    uem = uem with { UserCount = ParseCount("users", users) };
                }
                if (options.TryGetValue("hub-intake-url", out var intake))
                {
                    uem = uem with { HubIntakeUrl = Uri.TryCreate(intake, UriKind.Absolute, out var intakeUrl) ? intakeUrl : throw new FormatException($"--hub-intake-url {intake} is not an absolute URL") };
                }
                if (options.TryGetValue("hub-intake-key", out var key))
                {
                    uem = uem with { HubIntakeKey = key };
                }
                return new UemSimulator(uem);
            case "slack":
                return new SlackSimulator();
            default:
                return new ServiceNowSimulator();
        }
    }

    private static int ParseCount(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new FormatException($"--{name} must be a positive integer, not '{value}'");

    /// <summary>--key value and --key=value pairs (keys lower-cased, without dashes).</summary>
    private static Dictionary<string, string> ParseArgs(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }
            var key = args[i][2..];
            var eq = key.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                result[key[..eq]] = key[(eq + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                result[key] = args[++i];
            }
            else
            {
                result[key] = "true";
            }
        }
        return result;
    }

    private static string Describe(SimulatorBase simulator)
    {
        var root = simulator.BaseUrl.ToString().TrimEnd('/');
        string[] lines = simulator switch
        {
            UemSimulator uem =>
            [
                $"Workspace ONE UEM simulator   {root}   (API base {root}/API)",
                $"  Basic auth        {uem.Options.UserName} / {uem.Options.Password}",
                $"  aw-tenant-code    {uem.Options.TenantCode}",
                $"  OAuth token URL   {root}/connect/token   client {uem.Options.OAuthClientId} / {uem.Options.OAuthClientSecret}",
                $"  Tenant            {uem.Options.DeviceCount} Windows devices, {uem.Options.UserCount} users",
                $"  Apps              {string.Join(", ", uem.Apps.Select(a => $"{a.Id} {a.Name}"))}",
                $"  Hub Request       POST {root}/_control/hub/request " + "{\"deviceId\":1,\"appId\":101,\"justification\":\"...\"}"
                    + (uem.Options.HubIntakeUrl is { } hub ? $" -> {hub}" : " (no --hub-intake-url: only marks PendingApproval)"),
                $"  Device installed  POST {root}/_control/devices/<deviceId>/apps/<appId>/installed",
            ],
            ServiceNowSimulator sn =>
            [
                $"ServiceNow simulator   {root}   (approver page {root}/)",
                $"  Basic auth        {sn.Options.UserName} / {sn.Options.Password}",
                $"  OAuth             POST {root}/oauth_token.do   client {sn.Options.OAuthClientId} / {sn.Options.OAuthClientSecret}",
                $"  App approval API  POST {root}/api/{sn.Options.ApiNamespace}/appapproval/request",
                $"  Table API         {root}/api/now/table/<sc_request|incident|sys_user>",
            ],
            SlackSimulator slack =>
            [
                $"Slack simulator   {root}   (channel page {root}/)",
                $"  Incoming webhook  {slack.CreateWebhook()}",
            ],
            _ => [root],
        };
        return string.Join(Environment.NewLine, lines);
    }
}
