using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Conduit.Security;
using Conduit.Storage;
using Conduit.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Conduit.Connectors;

/// <summary>Settings under Conduit:Connectors.</summary>
public sealed record ConnectorOptions
{
    /// <summary>Allow http:// base URLs when the host is loopback (demo, tests). https is required otherwise.</summary>
    public bool AllowInsecureLoopback { get; init; }
}

/// <summary>A connector as GET /api/v1/connectors shows it: settings, and for each secret only whether it is set.</summary>
public sealed record ConnectorView(string Kind, bool Configured, IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyDictionary<string, bool> Secrets, DateTimeOffset? UpdatedAt);

/// <summary>"Provide Credentials" (DESIGN §4). Secrets are write-only: leave one out of a PUT to keep the stored value.</summary>
public static partial class ConnectorsApi
{
    public static void MapConnectors(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/connectors").WithTags("Connectors").RequireAuthorization(ApiKeyPolicies.Admin);
        group.MapGet("/", ListAsync);
        group.MapPut("/{kind}", PutAsync).Accepts<object>("application/json");
    }

    public static async Task<IResult> ListAsync(ConduitDb db, ConnectorStore store, CancellationToken ct)
    {
        var views = new List<ConnectorView>();
        foreach (var kind in ConnectorKinds.All) views.Add(await ViewAsync(db, store, kind, ct));
        return Results.Ok(views);
    }

    public static async Task<IResult> PutAsync(string kind, HttpRequest http, ConduitDb db, ConnectorStore store, IOptions<ConnectorOptions> options)
    {
        kind = kind.ToLowerInvariant();
        if (!ConnectorKinds.All.Contains(kind))
        {
            return Results.Problem(statusCode: 404, title: "Unknown connector", detail: $"Connectors are {string.Join(", ", ConnectorKinds.All)}.");
        }
        var (doc, problem) = await JsonBody.ReadAsync(http);
        if (problem is not null) return problem;
        using var _ = doc;
        var root = doc!.RootElement;
        if (root.ValueKind != JsonValueKind.Object) return Results.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["Must be a JSON object."] });

        var ct = CancellationToken.None;
        var existing = await store.LoadAsync(db, kind, ct);
        var oldSecrets = existing?.Secrets ?? new StoredSecrets();
        var errors = new Dictionary<string, string[]>();
        var allowLoopback = options.Value.AllowInsecureLoopback;
        StoredSettings settings;
        StoredSecrets secrets;
        switch (kind)
        {
            case ConnectorKinds.Uem:
                settings = new StoredSettings
                {
                    BaseUrl = BaseUrl(root, "baseUrl", allowLoopback, errors, stripApiSuffix: true),
                    UserName = RequiredText(root, "userName", 200, errors),
                };
                secrets = new StoredSecrets
                {
                    Password = Secret(root, "password", oldSecrets.Password, errors),
                    TenantCode = Secret(root, "tenantCode", oldSecrets.TenantCode, errors),
                };
                break;
            case ConnectorKinds.ServiceNow:
                var ns = RequiredText(root, "apiNamespace", 100, errors);
                if (ns is not null && !NamespacePattern().IsMatch(ns))
                {
                    errors["apiNamespace"] = ["Letters, digits and underscores only, e.g. x_acme_appapproval (the Scripted REST API's namespace)."];
                }
                settings = new StoredSettings
                {
                    BaseUrl = BaseUrl(root, "baseUrl", allowLoopback, errors, stripApiSuffix: false),
                    UserName = RequiredText(root, "userName", 200, errors),
                    ApiNamespace = ns,
                };
                secrets = new StoredSecrets { Password = Secret(root, "password", oldSecrets.Password, errors) };
                break;
            default:
                var hook = Optional(root, "webhookUrl");
                string? webhook = oldSecrets.WebhookUrl;
                if (hook is not null)
                {
                    webhook = CheckUrl(hook, "webhookUrl", allowLoopback, errors);
                    if (webhook is not null && !new Uri(webhook).AbsolutePath.StartsWith("/services/", StringComparison.Ordinal))
                    {
                        errors["webhookUrl"] = ["A Slack incoming webhook URL looks like https://hooks.slack.com/services/T…/B…/…"];
                    }
                }
                else if (webhook is null)
                {
                    errors["webhookUrl"] = ["Required."];
                }
                var channel = Optional(root, "defaultChannel");
                if (channel is { Length: > 80 }) errors["defaultChannel"] = ["At most 80 characters."];
                settings = new StoredSettings { DefaultChannel = string.IsNullOrWhiteSpace(channel) ? null : channel };
                secrets = new StoredSecrets { WebhookUrl = webhook };
                break;
        }
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: $"The {kind} connector settings are not valid");

        await store.SaveAsync(db, kind, settings, secrets, ct);
        return Results.Ok(await ViewAsync(db, store, kind, ct));
    }

    private static async Task<ConnectorView> ViewAsync(ConduitDb db, ConnectorStore store, string kind, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(db, kind, ct);
        var s = loaded?.Settings ?? new StoredSettings();
        var x = loaded?.Secrets ?? new StoredSecrets();
        return kind switch
        {
            ConnectorKinds.Uem => new ConnectorView(kind, loaded is not null && x.Password is not null && x.TenantCode is not null,
                new Dictionary<string, string?> { ["baseUrl"] = s.BaseUrl, ["userName"] = s.UserName },
                new Dictionary<string, bool> { ["password"] = x.Password is not null, ["tenantCode"] = x.TenantCode is not null },
                loaded?.Row.UpdatedAt),
            ConnectorKinds.ServiceNow => new ConnectorView(kind, loaded is not null && x.Password is not null,
                new Dictionary<string, string?> { ["baseUrl"] = s.BaseUrl, ["userName"] = s.UserName, ["apiNamespace"] = s.ApiNamespace },
                new Dictionary<string, bool> { ["password"] = x.Password is not null },
                loaded?.Row.UpdatedAt),
            _ => new ConnectorView(kind, x.WebhookUrl is not null,
                new Dictionary<string, string?>
                {
                    ["defaultChannel"] = s.DefaultChannel,
                    // The host tells an admin which Slack it points at; the path is the secret and stays hidden.
                    ["webhookHost"] = x.WebhookUrl is null ? null : new Uri(x.WebhookUrl).Authority,
                },
                new Dictionary<string, bool> { ["webhookUrl"] = x.WebhookUrl is not null },
                loaded?.Row.UpdatedAt),
        };
    }

    private static string? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? RequiredText(JsonElement root, string name, int max, Dictionary<string, string[]> errors)
    {
        var v = Optional(root, name);
        if (string.IsNullOrWhiteSpace(v)) errors[name] = ["Required."];
        else if (v.Length > max) errors[name] = [$"At most {max} characters."];
        else return v.Trim();
        return null;
    }

    /// <summary>A write-only secret: a new value replaces the stored one; leaving it out keeps the stored one.</summary>
    private static string? Secret(JsonElement root, string name, string? stored, Dictionary<string, string[]> errors)
    {
        var v = Optional(root, name);
        if (v is not null)
        {
            if (v.Length is 0 or > 1000) errors[name] = ["Must be 1 to 1000 characters."];
            return v;
        }
        if (stored is null) errors[name] = ["Required (write-only: it is never shown again)."];
        return stored;
    }

    private static string? BaseUrl(JsonElement root, string name, bool allowLoopback, Dictionary<string, string[]> errors, bool stripApiSuffix)
    {
        var raw = Optional(root, name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            errors[name] = ["Required, including the protocol, e.g. https://as1234.awmdm.com."];
            return null;
        }
        var checkedUrl = CheckUrl(raw.Trim(), name, allowLoopback, errors);
        if (checkedUrl is null) return null;
        var url = new Uri(checkedUrl);
        if (!string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            errors[name] = ["A base URL has no query string or fragment."];
            return null;
        }
        var text = url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        // UEM's connector wants the host without /API (reference uem-api.md §1.1); accept it with /API and normalise.
        if (stripApiSuffix && text.EndsWith("/api", StringComparison.OrdinalIgnoreCase)) text = text[..^4];
        return text;
    }

    private static string? CheckUrl(string raw, string name, bool allowLoopback, Dictionary<string, string[]> errors)
    {
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            errors[name] = ["Must be an absolute https:// URL."];
            return null;
        }
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            errors[name] = ["Put credentials in their own fields, never in the URL."];
            return null;
        }
        if (IPAddress.TryParse(url.IdnHost, out var ip) && (IsLinkLocal(ip) || ip.Equals(IPAddress.Any)))
        {
            errors[name] = ["Link-local and cloud metadata addresses are not allowed as targets."];
            return null;
        }
        if (url.Scheme == Uri.UriSchemeHttp && !(allowLoopback && url.IsLoopback))
        {
            errors[name] = [url.IsLoopback
                ? "http:// is allowed only for loopback with Conduit__Connectors__AllowInsecureLoopback=true; use https://."
                : "Must use https://."];
            return null;
        }
        return url.AbsoluteUri;
    }

    private static bool IsLinkLocal(IPAddress ip) =>
        ip.IsIPv6LinkLocal || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && ip.GetAddressBytes() is [169, 254, ..]);

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex NamespacePattern();
}
