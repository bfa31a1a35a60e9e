using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Conduit.Connectors;

/// <summary>Reads a connector PUT body into stored settings and secrets, naming every problem by field and noting
/// what it normalised (hints).</summary>
internal sealed partial class ConnectorInput(JsonElement root, StoredSecrets old, bool allowLoopback)
{
    public Dictionary<string, string[]> Errors { get; } = [];
    public List<string> Hints { get; } = [];

    public (StoredSettings, StoredSecrets) Uem()
    {
        var auth = AuthType(AuthTypes.Uem);
        var oauth = auth == AuthTypes.OAuthClientCredentials;
        var settings = new StoredSettings
        {
            BaseUrl = BaseUrl("baseUrl", stripApiSuffix: true),
            AuthType = auth,
            UserName = oauth ? Optional("userName") : RequiredText("userName", 200),
            TokenUrl = oauth ? Url("tokenUrl", required: true) : Optional("tokenUrl"),
            ClientId = oauth ? RequiredText("clientId", 200) : Optional("clientId"),
        };
        var secrets = new StoredSecrets
        {
            Password = Secret("password", old.Password, required: !oauth),
            TenantCode = Secret("tenantCode", old.TenantCode, required: !oauth),
            ClientSecret = Secret("clientSecret", old.ClientSecret, required: oauth),
        };
        return (settings, secrets);
    }

    public (StoredSettings, StoredSecrets) ServiceNow()
    {
        var auth = AuthType(AuthTypes.ServiceNow);
        var ns = RequiredText("apiNamespace", 100);
        if (ns is not null && !NamespacePattern().IsMatch(ns))
        {
            Errors["apiNamespace"] = ["Letters, digits and underscores only, e.g. x_acme_appapproval (the Scripted REST API's namespace)."];
        }
        var usesUser = auth is AuthTypes.Basic or AuthTypes.OAuthPassword;
        var usesClient = auth is AuthTypes.OAuthPassword or AuthTypes.OAuthClientCredentials;
        var settings = new StoredSettings
        {
            BaseUrl = BaseUrl("baseUrl", stripApiSuffix: false),
            AuthType = auth,
            ApiNamespace = ns,
            UserName = usesUser ? RequiredText("userName", 200) : Optional("userName"),
            ClientId = usesClient ? RequiredText("clientId", 200) : Optional("clientId"),
        };
        var secrets = new StoredSecrets
        {
            Password = Secret("password", old.Password, required: usesUser),
            ClientSecret = Secret("clientSecret", old.ClientSecret, required: usesClient),
        };
        return (settings, secrets);
    }

    public (StoredSettings, StoredSecrets) Slack()
    {
        var webhook = old.WebhookUrl;
        if (Optional("webhookUrl") is { } hook)
        {
            webhook = CheckUrl(hook, "webhookUrl");
            if (webhook is not null && !SlackHookPath().IsMatch(new Uri(webhook).AbsolutePath))
            {
                Errors["webhookUrl"] = ["A Slack incoming webhook URL looks like https://hooks.slack.com/services/T…/B…/…"];
            }
        }
        else if (webhook is null)
        {
            Errors["webhookUrl"] = ["Required: the incoming webhook URL from the Slack app (Slack calls it the Base URL; no authentication)."];
        }
        var channel = Optional("defaultChannel");
        if (channel is { Length: > 80 }) Errors["defaultChannel"] = ["At most 80 characters."];
        if (!string.IsNullOrWhiteSpace(channel))
        {
            Hints.Add("Slack app webhooks always post to the channel chosen when the webhook was created; the channel is sent with each message but only legacy webhooks honour it.");
        }
        return (new StoredSettings { DefaultChannel = string.IsNullOrWhiteSpace(channel) ? null : channel.Trim() }, new StoredSecrets { WebhookUrl = webhook });
    }

    private string AuthType(string[] allowed)
    {
        var value = Optional("authType") ?? AuthTypes.Basic;
        if (allowed.Contains(value)) return value;
        Errors["authType"] = [$"One of {string.Join(", ", allowed)}."];
        return AuthTypes.Basic;
    }

    private string? Optional(string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private string? RequiredText(string name, int max)
    {
        var v = Optional(name);
        if (string.IsNullOrWhiteSpace(v)) Errors[name] = ["Required."];
        else if (v.Length > max) Errors[name] = [$"At most {max} characters."];
        else return v.Trim();
        return null;
    }

    /// <summary>A write-only secret: a new value replaces the stored one; leaving it out keeps the stored one.</summary>
    private string? Secret(string name, string? stored, bool required)
    {
        var v = Optional(name);
        if (v is not null)
        {
            if (v.Length is 0 or > 2000) Errors[name] = ["Must be 1 to 2000 characters."];
            return v;
        }
        if (required && stored is null) Errors[name] = ["Required (write-only: it is never shown again)."];
        return stored;
    }

    private string? Url(string name, bool required)
    {
        var raw = Optional(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            if (required) Errors[name] = ["Required."];
            return null;
        }
        return CheckUrl(raw.Trim(), name);
    }

    private string? BaseUrl(string name, bool stripApiSuffix)
    {
        var raw = Optional(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            Errors[name] = ["Required, including the protocol, e.g. https://as1234.awmdm.com."];
            return null;
        }
        if (CheckUrl(raw.Trim(), name) is not { } checkedUrl) return null;
        var url = new Uri(checkedUrl);
        if (!string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            Errors[name] = ["A base URL has no query string or fragment."];
            return null;
        }
        var text = url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        // UEM's connector wants the host without /API (reference uem-api.md §1.1); accept it with /API and normalise.
        if (stripApiSuffix && text.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            text = text[..^4];
            Hints.Add($"baseUrl: removed the trailing /API; the connector wants the API host ({text}) and adds /API itself.");
        }
        return text;
    }

    private string? CheckUrl(string raw, string name)
    {
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            Errors[name] = ["Must be an absolute https:// URL."];
            return null;
        }
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            Errors[name] = ["Put credentials in their own fields, never in the URL."];
            return null;
        }
        if (IPAddress.TryParse(url.IdnHost, out var ip) && (IsLinkLocal(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
        {
            Errors[name] = ["Link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10) are not allowed as targets."];
            return null;
        }
        if (url.Scheme == Uri.UriSchemeHttp && !(allowLoopback && url.IsLoopback))
        {
            Errors[name] = [url.IsLoopback
                ? "http:// is allowed only for loopback with Conduit__Connectors__AllowInsecureLoopback=true; use https://."
                : "Must use https://."];
            return null;
        }
        return url.AbsoluteUri;
    }

    private static bool IsLinkLocal(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return ip.IsIPv6LinkLocal || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && ip.GetAddressBytes() is [169, 254, ..]);
    }

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex NamespacePattern();

    [GeneratedRegex("^/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+/?$")]
    private static partial Regex SlackHookPath();
}
