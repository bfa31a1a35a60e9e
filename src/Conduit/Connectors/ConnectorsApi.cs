using System.Text.Json;
using Conduit.Jobs;
using Conduit.Security;
using Conduit.Storage;
using Conduit.Web;
using Microsoft.Extensions.Options;

namespace Conduit.Connectors;

/// <summary>Settings under Conduit:Connectors.</summary>
public sealed record ConnectorOptions
{
    /// <summary>Allow http:// base URLs when the host is loopback (demo, tests). https is required otherwise.</summary>
    public bool AllowInsecureLoopback { get; init; }

    /// <summary>Start even when stored connector secrets cannot be decrypted (lost key ring), discarding them so they
    /// can be entered again. Off by default: the hub refuses to start and says why.</summary>
    public bool DiscardUnreadableSecrets { get; init; }
}

/// <summary>A connector as GET /api/v1/connectors shows it: settings, whether each secret is set (never its value), and health.</summary>
public sealed record ConnectorView(string Kind, bool Configured, IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyDictionary<string, bool> Secrets, DateTimeOffset? UpdatedAt, ConnectorHealth.Snapshot Health, IReadOnlyList<string>? Hints = null);

/// <summary>"Provide Credentials" (DESIGN §4). Secrets are write-only: leave one out of a PUT to keep the stored value.</summary>
public static class ConnectorsApi
{
    public static void MapConnectors(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/connectors").WithTags("Connectors").RequireAuthorization(ApiKeyPolicies.Admin);
        group.MapGet("/", ListAsync);
        group.MapPut("/{kind}", PutAsync).Accepts<object>("application/json");
        group.MapPost("/{kind}/test", ConnectionChecks.TestAsync);
        group.MapConnectorActions();
    }

    public static async Task<IResult> ListAsync(ConduitDb db, ConnectorStore store, ConnectorHealth health, CancellationToken ct)
    {
        var views = new List<ConnectorView>();
        foreach (var kind in ConnectorKinds.All) views.Add(await ViewAsync(db, store, health, kind, null, ct));
        return Results.Ok(views);
    }

    public static async Task<IResult> PutAsync(string kind, HttpRequest http, ConduitDb db, ConnectorStore store, ConnectorHealth health,
        IOptions<ConnectorOptions> options, TimeProvider time, JobSignal signal)
    {
        kind = kind.ToLowerInvariant();
        if (!ConnectorKinds.All.Contains(kind)) return UnknownKind();
        var (doc, problem) = await JsonBody.ReadAsync(http);
        if (problem is not null) return problem;
        using var _ = doc;
        if (doc!.RootElement.ValueKind != JsonValueKind.Object)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["Must be a JSON object."] });
        }

        var ct = CancellationToken.None;
        var existing = await store.LoadAsync(db, kind, ct);
        var input = new ConnectorInput(doc.RootElement, existing?.Secrets ?? new StoredSecrets(), options.Value.AllowInsecureLoopback);
        var (settings, secrets) = kind switch
        {
            ConnectorKinds.Uem => input.Uem(),
            ConnectorKinds.ServiceNow => input.ServiceNow(),
            _ => input.Slack(),
        };
        if (input.Errors.Count > 0) return Results.ValidationProblem(input.Errors, title: $"The {kind} connector settings are not valid");

        await store.SaveAsync(db, kind, settings, secrets, ct);
        if (await db.WriteAsync((db, c) => db.WakeJobsWaitingForAsync(kind, time.GetUtcNow(), c), ct) > 0) signal.Notify();
        return Results.Ok(await ViewAsync(db, store, health, kind, input.Hints, ct));
    }

    internal static IResult UnknownKind() =>
        Results.Problem(statusCode: 404, title: "Unknown connector", detail: $"Connectors are {string.Join(", ", ConnectorKinds.All)}.");

    private static async Task<ConnectorView> ViewAsync(ConduitDb db, ConnectorStore store, ConnectorHealth health, string kind,
        IReadOnlyList<string>? hints, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(db, kind, ct);
        var s = loaded?.Settings ?? new StoredSettings();
        var x = loaded?.Secrets ?? new StoredSecrets();
        var (configured, settings, secrets) = kind switch
        {
            ConnectorKinds.Uem => (ConnectorStore.ToUem(s, x) is not null,
                new Dictionary<string, string?>
                {
                    ["baseUrl"] = s.BaseUrl, ["authType"] = s.AuthType ?? AuthTypes.Basic, ["userName"] = s.UserName,
                    ["tokenUrl"] = s.TokenUrl, ["clientId"] = s.ClientId,
                },
                new Dictionary<string, bool> { ["password"] = x.Password is not null, ["tenantCode"] = x.TenantCode is not null, ["clientSecret"] = x.ClientSecret is not null }),
            ConnectorKinds.ServiceNow => (ConnectorStore.ToServiceNow(s, x) is not null,
                new Dictionary<string, string?>
                {
                    ["baseUrl"] = s.BaseUrl, ["authType"] = s.AuthType ?? AuthTypes.Basic, ["userName"] = s.UserName,
                    ["apiNamespace"] = s.ApiNamespace, ["clientId"] = s.ClientId,
                },
                new Dictionary<string, bool> { ["password"] = x.Password is not null, ["clientSecret"] = x.ClientSecret is not null }),
            _ => (x.WebhookUrl is not null,
                new Dictionary<string, string?>
                {
                    ["defaultChannel"] = s.DefaultChannel,
                    // The host tells an admin which Slack it points at; the path is the secret and stays hidden.
                    ["webhookHost"] = x.WebhookUrl is null ? null : new Uri(x.WebhookUrl).Authority,
                },
                new Dictionary<string, bool> { ["webhookUrl"] = x.WebhookUrl is not null }),
        };
        return new ConnectorView(kind, configured, settings, secrets, loaded?.Row.UpdatedAt, health.Get(kind), hints is { Count: > 0 } ? hints : null);
    }
}
