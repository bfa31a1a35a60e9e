using System.Text.Json;
using Conduit.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Conduit.Connectors;

/// <summary>Reads and writes connector settings; secrets pass through Data Protection on the way in and out.</summary>
public sealed class ConnectorStore(IDataProtectionProvider protection, TimeProvider time)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Conduit.Connectors.Secrets.v1");
    private volatile bool _slackConfigured;
    private volatile bool _slackKnown;

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
        var row = await db.Connectors.FirstOrDefaultAsync(c => c.Kind == kind, ct);
        if (row is null)
        {
            row = new Connector { Kind = kind };
            db.Connectors.Add(row);
        }
        row.SettingsJson = JsonSerializer.Serialize(settings);
        row.ProtectedSecrets = _protector.Protect(JsonSerializer.Serialize(secrets));
        row.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        if (kind == ConnectorKinds.Slack) _slackKnown = false;
    }

    public async Task<UemSettings?> GetUemAsync(ConduitDb db, CancellationToken ct)
    {
        var c = await LoadAsync(db, ConnectorKinds.Uem, ct);
        return c is { Settings.BaseUrl: { } url, Settings.UserName: { } user, Secrets.Password: { } pw, Secrets.TenantCode: { } tenant }
            ? new UemSettings(new Uri(url), user, pw, tenant)
            : null;
    }

    public async Task<ServiceNowSettings?> GetServiceNowAsync(ConduitDb db, CancellationToken ct)
    {
        var c = await LoadAsync(db, ConnectorKinds.ServiceNow, ct);
        return c is { Settings.BaseUrl: { } url, Settings.UserName: { } user, Settings.ApiNamespace: { } ns, Secrets.Password: { } pw }
            ? new ServiceNowSettings(new Uri(url), user, pw, ns)
            : null;
    }

    public async Task<SlackSettings?> GetSlackAsync(ConduitDb db, CancellationToken ct)
    {
        var c = await LoadAsync(db, ConnectorKinds.Slack, ct);
        return c is { Secrets.WebhookUrl: { } hook } ? new SlackSettings(new Uri(hook), c.Value.Settings.DefaultChannel) : null;
    }

    /// <summary>Whether transitions should queue Slack messages; cached, refreshed when the Slack connector is saved.</summary>
    public async ValueTask<bool> IsSlackConfiguredAsync(ConduitDb db, CancellationToken ct)
    {
        if (_slackKnown) return _slackConfigured;
        _slackConfigured = await db.Connectors.AnyAsync(c => c.Kind == ConnectorKinds.Slack && c.ProtectedSecrets != null, ct);
        _slackKnown = true;
        return _slackConfigured;
    }
}
