using Conduit.AppApprovals;
using Conduit.Connectors;
using Conduit.Jobs;
using Conduit.Security;
using Conduit.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Conduit.Hosting;

/// <summary>Composes the hub from its features. Program.cs, the demo and the tests all build the same host through here.</summary>
public static class ConduitHost
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(ConduitHost).Assembly.GetName().Name,
            // appsettings.json ships beside the binary; relative paths (data/conduit.db) stay relative to where conduit is started.
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);
        builder.AddConduit();
        return builder;
    }

    public static IHostApplicationBuilder AddConduit(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // First hosted service of all: the database is migrated and keys exist before anything else starts
        // (Data Protection's own hosted service reads its key ring from the database at start).
        services.AddHostedService<StartupInitializer>();
        services.AddSingleton(TimeProvider.System);
        services.PostConfigure<LoggerFilterOptions>(CapRequestPathLogging);
        services.AddProblemDetails();
        services.AddOpenApi();
        services.AddOptions<HubOptions>().BindConfiguration("Conduit");
        services.AddOptions<AppApprovalOptions>().BindConfiguration("Conduit:AppApprovals").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobOptions>().BindConfiguration("Conduit:Jobs").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ConnectorOptions>().BindConfiguration("Conduit:Connectors");

        builder.AddStorage();
        services.AddDataProtection().SetApplicationName("Conduit").PersistKeysToDbContext<ConduitDb>().ProtectKeysIfConfigured(builder.Configuration);
        builder.AddApiKeys();
        builder.AddOutboundClients();
        builder.AddAppApprovals();
        builder.AddJobs();
        return builder;
    }

    /// <summary>Callback URLs carry their token in the path, so the framework's log lines and log scopes that carry request
    /// paths (request start/finish and the RequestPath scope, route matching) are off whatever level the operator sets.
    /// Added last, these rules win over configuration.</summary>
    private static void CapRequestPathLogging(LoggerFilterOptions options)
    {
        options.Rules.Add(new LoggerFilterRule(null, "Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None, null));
        options.Rules.Add(new LoggerFilterRule(null, "Microsoft.AspNetCore.Routing", LogLevel.Information, null));
        options.Rules.Add(new LoggerFilterRule(null, "Microsoft.AspNetCore.HttpLogging", LogLevel.None, null));
    }

    private static IHostApplicationBuilder AddOutboundClients(this IHostApplicationBuilder builder)
    {
        var timeout = builder.Configuration.GetValue("Conduit:Outbound:Timeout", TimeSpan.FromSeconds(30));
        // The default HttpClient logging writes full URLs; a Slack webhook URL is a secret, so those loggers go.
        builder.Services.ConfigureHttpClientDefaults(http => http
            .RemoveAllLoggers()
            .ConfigureHttpClient(c => c.Timeout = timeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                AllowAutoRedirect = false,
            }));
        builder.Services.AddHttpClient(OAuthTokens.HttpClientName);
        builder.Services.AddSingleton<OAuthTokens>();
        builder.Services.AddSingleton<ConnectorHealth>();
        builder.Services.AddSingleton<SlackPacer>();
        builder.Services.AddSingleton<AuthorizedCall>();
        builder.Services.AddHttpClient<ServiceNowClient>();
        builder.Services.AddHttpClient<UemClient>();
        builder.Services.AddHttpClient<SlackClient>();
        builder.Services.AddSingleton<ConnectorStore>();
        return builder;
    }

    private static IHostApplicationBuilder AddAppApprovals(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<Lifecycle>();
        services.AddSingleton<CallbackTokens>();
        services.AddSingleton<PublicUrls>();
        services.AddSingleton<UemDeviceUuids>();
        services.AddSingleton<IJobHandler, CreateTicketJob>();
        services.AddSingleton<IJobHandler, InstallAppJob>();
        services.AddSingleton<IJobHandler, PollInstallJob>();
        services.AddSingleton<IJobHandler, NotifySlackJob>();
        return builder;
    }

    private static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<JobSignal>();
        builder.Services.AddHostedService<JobDispatcher>();
        builder.Services.AddHostedService<ExpirySweeper>();
        builder.Services.AddHostedService<WalCheckpointer>();
        return builder;
    }

    public static WebApplication MapConduit(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapHealth();
        app.MapAppRequests();
        app.MapApprovalCallbacks();
        app.MapConnectors();
        return app;
    }

    private static void MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).WithTags("Health");
        app.MapGet("/readyz", async (ConduitDb db, CancellationToken ct) =>
            await db.Database.CanConnectAsync(ct)
                ? Results.Text("ready")
                : Results.Problem(statusCode: 503, title: "Not ready", detail: "The database is not reachable.")).WithTags("Health");
    }

    /// <summary>Builds, initialises and runs the hub until shutdown.</summary>
    public static async Task<int> ServeAsync(string[] args, CancellationToken ct)
    {
        var app = CreateBuilder(args).Build();
        app.MapConduit();
        await app.RunAsync(ct);
        return 0;
    }

    /// <summary>Applies migrations and exits (`conduit migrate`).</summary>
    public static async Task<int> MigrateAsync(string[] args, CancellationToken ct)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddStorage();
        await using var app = builder.Build();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDb>();
        var pending = (await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GetPendingMigrationsAsync(db.Database, ct)).ToList();
        await StorageSetup.MigrateAsync(db, ct);
        Console.WriteLine(pending.Count == 0 ? "The database is up to date." : $"Applied {pending.Count} migration(s): {string.Join(", ", pending)}");
        return 0;
    }
}

/// <summary>Runs once before anything else: schema migrations, API keys, the callback signing key.</summary>
internal sealed class StartupInitializer(IServiceScopeFactory scopes, ApiKeyStore keys, CallbackTokens tokens, IOptions<ApiKeyOptions> keyOptions,
    ConnectorStore connectors, IOptions<ConnectorOptions> connectorOptions, TimeProvider time, ILogger<StartupInitializer> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConduitDb>();
        await StorageSetup.MigrateAsync(db, ct);
        await keys.InitializeAsync(db, keyOptions.Value, time, Console.Out, ct);
        await tokens.InitializeAsync(db, ct);
        await connectors.VerifySecretsReadableAsync(db, connectorOptions.Value.DiscardUnreadableSecrets, log, ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
