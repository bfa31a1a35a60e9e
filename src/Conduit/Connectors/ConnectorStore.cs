using System.Text.Json;
using Conduit.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Conduit.Connectors;

/// <summary>Reads and writes connector settings; secrets pass through Data Protection on the way in and out.</summary>
public sealed class ConnectorStore(IDataProtectionProvider protection, TimeProvider time)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Conduit.Connectors.Secrets.v1");

    /// <summary>Decrypted settings as jobs use them, kept for a few seconds: every outbound job needs them, and reading
    /// and decrypting the row each time was a database round trip per call. Saving on this node clears it at once;
    /// another node's change shows within <see cref="CacheFor"/>.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Loaded? Value, long At)> _cache = new();
    private static readonly long CacheFor = 5_000;

    internal sealed record Loaded(StoredSettings Settings, StoredSecrets Secrets);

    private async Task<Loaded?> CachedAsync(ConduitDb db, string kind, CancellationToken ct)
    {
        var now = Environment.TickCount64;
        if (_cache.TryGetValue(kind, out var hit) && now - hit.At < CacheFor) return hit.Value;
        var loaded = await LoadAsync(db, kind, ct) is { } c ? new Loaded(c.Settings, c.Secrets) : null;
        _cache[kind] = (loaded, now);
        return loaded;
    }

    internal async Task<(StoredSettings Settings, StoredSecrets Secrets, Connector Row)?> LoadAsync(ConduitDb db, string kind, CancellationToken ct)
    {
        var row = await db.Connectors.AsNoTracking().FirstOrDefaultAsync(c => c.Kind == kind, ct);
        if (row is null) return null;
        var settings = JsonSerializer.Deserialize<StoredSettings>(row.SettingsJson) ?? new StoredSettings();
        var secrets = row.ProtectedSecrets is null
            ? new StoredSecrets()
            : JsonSerializer.Deserialize<StoredSecrets>(_protector.Unprotect(row.ProtectedSecrets)) ?? new StoredSecrets();
        return (settings, secrets, row);
    }

    internal async Task SaveAsync(ConduitDb db, string kind, StoredSettings settings, StoredSecrets secrets, CancellationToken ct)
    {
        var settingsJson = JsonSerializer.Serialize(settings);
        var protectedSecrets = _protector.Protect(JsonSerializer.Serialize(secrets));
        var now = time.GetUtcNow();
        await db.WriteAsync(async (db, c) =>
        {
            var row = await db.Connectors.FirstOrDefaultAsync(r => r.Kind == kind, c);
            if (row is null)
            {
                row = new Connector { Kind = kind };
                db.Connectors.Add(row);
            }
            row.SettingsJson = settingsJson;
            row.ProtectedSecrets = protectedSecrets;
            row.UpdatedAt = now;
        }, ct);
        _cache.Clear();
    }

    /// <summary>Whether the connector has everything its calls need (cached like the settings themselves).</summary>
    public async Task<bool> IsConfiguredAsync(ConduitDb db, string kind, CancellationToken ct) => kind switch
    {
        ConnectorKinds.Uem => await GetUemAsync(db, ct) is not null,
        ConnectorKinds.ServiceNow => await GetServiceNowAsync(db, ct) is not null,
        ConnectorKinds.Slack => await GetSlackAsync(db, ct) is not null,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown connector kind"),
    };

    public async Task<UemSettings?> GetUemAsync(ConduitDb db, CancellationToken ct) =>
        await CachedAsync(db, ConnectorKinds.Uem, ct) is { } c ? ToUem(c.Settings, c.Secrets) : null;

    public async Task<ServiceNowSettings?> GetServiceNowAsync(ConduitDb db, CancellationToken ct) =>
        await CachedAsync(db, ConnectorKinds.ServiceNow, ct) is { } c ? ToServiceNow(c.Settings, c.Secrets) : null;

    /// <summary>Complete UEM settings, or null while something required is missing.</summary>
    internal static UemSettings? ToUem(StoredSettings s, StoredSecrets x)
    {
        if (s.BaseUrl is null) return null;
        if (s.AuthType == AuthTypes.OAuthClientCredentials)
        {
            return s is { TokenUrl: { } tokenUrl, ClientId: { } id } && x.ClientSecret is { } secret
                ? new UemSettings(new Uri(s.BaseUrl), x.TenantCode, null, null, new OAuthClient(new Uri(tokenUrl), id, secret, "client_credentials"))
                : null;
        }
        return s.UserName is { } user && x is { Password: { } pw, TenantCode: { } tenant } ? new UemSettings(new Uri(s.BaseUrl), tenant, user, pw, null) : null;
    }

    /// <summary>Complete ServiceNow settings, or null while something required is missing.</summary>
    internal static ServiceNowSettings? ToServiceNow(StoredSettings s, StoredSecrets x)
    {
        if (s is not { BaseUrl: { } url, ApiNamespace: { } ns }) return null;
        var baseUrl = new Uri(url);
        var tokenUrl = ServiceNowClient.Combine(baseUrl, "oauth_token.do");
        return s.AuthType switch
        {
            AuthTypes.OAuthPassword when s is { ClientId: { } id, UserName: { } user } && x is { ClientSecret: { } secret, Password: { } pw } =>
                new ServiceNowSettings(baseUrl, ns, user, pw, new OAuthClient(tokenUrl, id, secret, "password", user, pw)),
            AuthTypes.OAuthClientCredentials when s.ClientId is { } id && x.ClientSecret is { } secret =>
                new ServiceNowSettings(baseUrl, ns, null, null, new OAuthClient(tokenUrl, id, secret, "client_credentials")),
            null or AuthTypes.Basic when s.UserName is { } user && x.Password is { } pw => new ServiceNowSettings(baseUrl, ns, user, pw, null),
            _ => null,
        };
    }

    public async Task<SlackSettings?> GetSlackAsync(ConduitDb db, CancellationToken ct)
    {
        var c = await CachedAsync(db, ConnectorKinds.Slack, ct);
        return c is { Secrets.WebhookUrl: { } hook } ? new SlackSettings(new Uri(hook), c.Settings.DefaultChannel) : null;
    }

    /// <summary>At start: every stored secret must decrypt with the key ring in the database. If the key ring was lost or
    /// replaced, say so and how to recover, rather than fail later on the first outbound call.</summary>
    public async Task VerifySecretsReadableAsync(ConduitDb db, bool discardUnreadable, ILogger log, CancellationToken ct)
    {
        var rows = await db.Connectors.AsNoTracking().Where(c => c.ProtectedSecrets != null).ToListAsync(ct);
        var unreadable = new List<string>();
        foreach (var row in rows)
        {
            try
            {
                _protector.Unprotect(row.ProtectedSecrets!);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                unreadable.Add(row.Kind);
            }
        }
        if (unreadable.Count == 0) return;
        var which = string.Join(", ", unreadable);
        if (!discardUnreadable)
        {
            throw new StartupException(
                $"The stored secrets of the {which} connector(s) cannot be decrypted: the Data Protection key ring in the database " +
                "(table DataProtectionKeys) is missing or is not the one they were encrypted with. Restore the database backup that holds " +
                "the key ring (docs/operations.md, \"Data, backups and the key ring\"), or start once with " +
                "Conduit__Connectors__DiscardUnreadableSecrets=true to discard those secrets and enter them again.");
        }
        await db.WriteAsync((db, c) => db.Connectors.Where(r => unreadable.Contains(r.Kind))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ProtectedSecrets, (string?)null), c), ct);
        _cache.Clear();
        log.LogWarning("Discarded the unreadable secrets of the {Connectors} connector(s); enter them again with PUT /api/v1/connectors/{{kind}}", which);
    }

    /// <summary>Whether transitions should queue Slack messages (cached like the settings).</summary>
    public async ValueTask<bool> IsSlackConfiguredAsync(ConduitDb db, CancellationToken ct) =>
        await CachedAsync(db, ConnectorKinds.Slack, ct) is { Secrets.WebhookUrl: not null };
}
