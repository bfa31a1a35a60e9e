using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conduit.Hosting;
using Conduit.Simulators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Conduit.Tests.Infrastructure;

/// <summary>The real hub on Kestrel (loopback, random port) with a real SQLite file in a temp folder.</summary>
public sealed class TestHub : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";
    public const string IntakeKey = "test-intake-key-0123456789abcdef";

    private readonly WebApplication _app;

    private readonly bool _ownsDataDir;

    private TestHub(WebApplication app, string dataDir, Uri baseUrl, bool ownsDataDir)
    {
        _app = app;
        _ownsDataDir = ownsDataDir;
        DataDir = dataDir;
        BaseUrl = baseUrl;
        Admin = Client(AdminKey);
        Intake = Client(IntakeKey);
        Anonymous = Client(null);
    }

    public Uri BaseUrl { get; }
    public string DataDir { get; }
    public string DatabasePath => Path.Combine(DataDir, "conduit.db");
    public HttpClient Admin { get; }
    public HttpClient Intake { get; }
    public HttpClient Anonymous { get; }
    public IServiceProvider Services => _app.Services;

    public static Dictionary<string, string?> DefaultSettings(string dataDir) => new()
    {
        ["urls"] = "http://127.0.0.1:0",
        ["ConnectionStrings:Conduit"] = $"Data Source={Path.Combine(dataDir, "conduit.db")}",
        ["Conduit:AdminApiKey"] = AdminKey,
        ["Conduit:IntakeApiKey"] = IntakeKey,
        ["Conduit:Connectors:AllowInsecureLoopback"] = "true",
        ["Conduit:Jobs:PollInterval"] = "00:00:00.050",
        ["Conduit:Jobs:RetryBaseDelay"] = "00:00:00.050",
        ["Conduit:Jobs:RetryMaxDelay"] = "00:00:00.500",
        ["Conduit:AppApprovals:InstallPollInterval"] = "00:00:00.100",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public static async Task<TestHub> StartAsync(Action<Dictionary<string, string?>>? configure = null, TimeProvider? time = null,
        string? dataDir = null, Action<IServiceCollection>? services = null)
    {
        var ownsDataDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("conduit-test-").FullName;
        var settings = DefaultSettings(dataDir);
        configure?.Invoke(settings);
        var args = settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}").ToArray();
        var builder = ConduitHost.CreateBuilder(args);
        if (time is not null) builder.Services.AddSingleton(time);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapConduit();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestHub(app, dataDir, new Uri(address), ownsDataDir);
    }

    /// <summary>Starts a hub that must refuse to: the <see cref="Conduit.Storage.StartupException"/> it gave, thrown directly
    /// or wrapped by the host; anything else fails the test.</summary>
    public static async Task<Conduit.Storage.StartupException> StartupFailureAsync(Action<Dictionary<string, string?>>? configure = null, string? dataDir = null)
    {
        var failure = await Xunit.Assert.ThrowsAnyAsync<Exception>(() => StartAsync(configure, dataDir: dataDir));
        return failure as Conduit.Storage.StartupException ?? failure.InnerException as Conduit.Storage.StartupException
            ?? throw new Xunit.Sdk.XunitException($"Expected the start to fail with a StartupException, got {failure}");
    }

    public HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>Points the hub's three connectors at the simulators through the public API.</summary>
    public Task ConfigureConnectorsAsync(UemSimulator? uem, ServiceNowSimulator? serviceNow, SlackSimulator? slack = null, string? slackHook = null,
        string? apiNamespace = null) =>
        ConfigureConnectorsAsync(Admin, uem, serviceNow, slack, slackHook, apiNamespace);

    /// <summary>The same through any admin client, e.g. of a hub running as its own process.</summary>
    public static async Task ConfigureConnectorsAsync(HttpClient admin, UemSimulator? uem, ServiceNowSimulator? serviceNow, SlackSimulator? slack = null,
        string? slackHook = null, string? apiNamespace = null)
    {
        if (uem is not null)
        {
            (await admin.PutAsJsonAsync("/api/v1/connectors/uem", new
            {
                baseUrl = uem.BaseUrl.ToString(),
                userName = uem.Options.UserName,
                password = uem.Options.Password,
                tenantCode = uem.Options.TenantCode,
            })).EnsureSuccessStatusCode();
        }
        if (serviceNow is not null)
        {
            (await admin.PutAsJsonAsync("/api/v1/connectors/servicenow", new
            {
                baseUrl = serviceNow.BaseUrl.ToString(),
                userName = serviceNow.Options.UserName,
                password = serviceNow.Options.Password,
                apiNamespace = apiNamespace ?? serviceNow.Options.ApiNamespace,
            })).EnsureSuccessStatusCode();
        }
        if (slack is not null)
        {
            (await admin.PutAsJsonAsync("/api/v1/connectors/slack", new
            {
                webhookUrl = slackHook ?? slack.CreateWebhook(),
                defaultChannel = "#app-approvals",
            })).EnsureSuccessStatusCode();
        }
    }

    public Task<HttpResponseMessage> SubmitAsync(JsonObject body) => Intake.PostAsJsonAsync("/api/v1/app-requests", body);

    public async Task<Guid> SubmitAcceptedAsync(JsonObject body)
    {
        var response = await SubmitAsync(body);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        return Guid.Parse(json!["requestId"]!.ToString());
    }

    public async Task<JsonObject> GetRequestAsync(Guid id)
    {
        var response = await Admin.GetAsync($"/api/v1/app-requests/{id}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Polls GET /api/v1/app-requests/{id} until the status is reached; fails with the last body on timeout.</summary>
    public Task<JsonObject> WaitForStatusAsync(Guid id, string status, TimeSpan? timeout = null) =>
        Eventually.GetAsync(() => GetRequestAsync(id), r => r["status"]?.ToString() == status, timeout, $"request {id} to reach {status}");

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        Intake.Dispose();
        Anonymous.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_ownsDataDir) return; // the caller's folder, e.g. to start again on the same database
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout, string what)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        T last;
        while (true)
        {
            last = await read();
            if (done(last)) return last;
            if (DateTime.UtcNow > deadline) break;
            await Task.Delay(50);
        }
        var shown = last is JsonNode node ? node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : last?.ToString();
        throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}. Last value: {shown}");
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        GetAsync(() => Task.FromResult(condition()), ok => ok, timeout, what);
}
