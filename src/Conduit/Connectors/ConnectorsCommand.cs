using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conduit.Connectors;

/// <summary>`conduit connectors list|set|test`: the connector API for admins who script their set-up. It talks to a
/// running hub over HTTP with the admin key (from --admin-key or, better, CONDUIT_ADMIN_KEY, kept out of shell history).</summary>
public static class ConnectorsCommand
{
    public static Command Create()
    {
        var hub = new Option<string>("--hub") { Description = "The hub's URL.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var key = new Option<string?>("--admin-key") { Description = "Admin API key (default: the CONDUIT_ADMIN_KEY environment variable)." };
        var kind = new Argument<string>("kind") { Description = "uem, servicenow or slack." };
        kind.AcceptOnlyFromAmong(ConnectorKinds.All);
        var json = new Option<string>("--json") { Description = "The settings as JSON, or - to read them from standard input (keeps secrets out of the command line).", Required = true };
        var send = new Option<bool>("--send-message") { Description = "Slack: post a real test message." };

        var list = new Command("list", "Show each connector: configured, settings, health (secrets never shown).") { hub, key };
        list.SetAction((p, ct) => RunAsync(p.GetValue(hub)!, p.GetValue(key), async http =>
        {
            var connectors = await http.GetFromJsonAsync<JsonArray>("/api/v1/connectors", ct) ?? [];
            foreach (var c in connectors.OfType<JsonObject>())
            {
                var settings = c["settings"]!.AsObject().Where(kv => kv.Value is not null).Select(kv => $"{kv.Key}={kv.Value}");
                var secrets = c["secrets"]!.AsObject().Select(kv => $"{kv.Key}:{(kv.Value!.GetValue<bool>() ? "set" : "missing")}");
                var health = c["health"]!;
                Console.WriteLine($"{c["kind"],-11} {(c["configured"]!.GetValue<bool>() ? "configured" : "not configured"),-15} {string.Join(" ", settings)}");
                Console.WriteLine($"{"",-11} secrets: {string.Join(" ", secrets)}; last success: {health["lastSuccessAt"] ?? "never"}; " +
                                  $"failures in a row: {health["consecutiveFailures"]}{(health["lastFailure"] is { } f ? $"; last failure: {f}" : "")}");
            }
            return 0;
        }, ct));

        var set = new Command("set", "Provide credentials: PUT the JSON settings of one connector.") { kind, json, hub, key };
        set.SetAction((p, ct) => RunAsync(p.GetValue(hub)!, p.GetValue(key), async http =>
        {
            var body = p.GetValue(json) == "-" ? await Console.In.ReadToEndAsync(ct) : p.GetValue(json)!;
            var response = await http.PutAsync($"/api/v1/connectors/{p.GetValue(kind)}", new StringContent(body, Encoding.UTF8, "application/json"), ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) return Fail(text);
            var view = JsonNode.Parse(text)!;
            Console.WriteLine($"{p.GetValue(kind)}: saved; {(view["configured"]!.GetValue<bool>() ? "configured" : "not complete yet")}");
            foreach (var hint in view["hints"]?.AsArray() ?? []) Console.WriteLine($"  hint: {hint}");
            return 0;
        }, ct));

        var test = new Command("test", "Test the connection (live, read-only; Slack posts only with --send-message).") { kind, send, hub, key };
        test.SetAction((p, ct) => RunAsync(p.GetValue(hub)!, p.GetValue(key), async http =>
        {
            var response = await http.PostAsJsonAsync($"/api/v1/connectors/{p.GetValue(kind)}/test", new { sendMessage = p.GetValue(send) }, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) return Fail(text);
            var check = JsonNode.Parse(text)!;
            var ok = check["ok"]!.GetValue<bool>();
            Console.WriteLine($"{p.GetValue(kind)}: {(ok ? "ok" : "FAILED")} in {check["latencyMs"]} ms: {check["reason"]}");
            return ok ? 0 : 1;
        }, ct));

        return new Command("connectors", "Manage the UEM, ServiceNow and Slack connectors of a running hub.") { list, set, test };
    }

    private static async Task<int> RunAsync(string hub, string? key, Func<HttpClient, Task<int>> action, CancellationToken ct)
    {
        key ??= Environment.GetEnvironmentVariable("CONDUIT_ADMIN_KEY");
        if (string.IsNullOrWhiteSpace(key))
        {
            await Console.Error.WriteLineAsync("conduit: give the admin key with CONDUIT_ADMIN_KEY (or --admin-key)");
            return 2;
        }
        if (!Uri.TryCreate(hub, UriKind.Absolute, out var baseUrl))
        {
            await Console.Error.WriteLineAsync($"conduit: --hub must be a URL, e.g. http://127.0.0.1:5080 (got '{hub}')");
            return 2;
        }
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        try
        {
            return await action(http);
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"conduit: cannot reach the hub at {baseUrl}: {ex.Message}");
            return 1;
        }
    }

    private static int Fail(string problemJson)
    {
        try
        {
            var problem = JsonNode.Parse(problemJson)!;
            var errors = problem["errors"]?.AsObject().Select(kv => $"{kv.Key}: {string.Join(" ", kv.Value!.AsArray())}");
            Console.Error.WriteLine($"conduit: {problem["title"]}{(problem["detail"] is { } d ? ": " + d : "")}{(errors is null ? "" : "; " + string.Join("; ", errors))}");
        }
        catch (JsonException)
        {
            Console.Error.WriteLine($"conduit: {problemJson}");
        }
        return 1;
    }
}
