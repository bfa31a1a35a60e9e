using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conduit.Connectors;

/// <summary>What UEM says about one app on one device (GET /mdm/devices/{uuid}/apps/search).</summary>
public sealed record DeviceAppState(string? InstalledStatus, string? LatestUemAction)
{
    public bool IsInstalled => string.Equals(InstalledStatus, "Installed", StringComparison.OrdinalIgnoreCase);

    /// <summary>An install command exists for the device (sent by us earlier, possibly before a crash).</summary>
    public bool InstallCommandExists => IsInstalled || LatestUemAction is "InstallCommandDispatched" or "InstallCommandReadyForDevice";

    public bool InstallFailed => LatestUemAction is "InstallCommandFailed";
}

/// <summary>Calls Workspace ONE UEM's REST API, v1 (DESIGN §3.4, reference uem-api.md §2).</summary>
public sealed class UemClient(HttpClient http, AuthorizedCall call)
{
    public static readonly string[] AppTypes = ["internal", "public", "purchased"];

    /// <summary>Finds whether an app id is an internal, public or purchased app: the install path depends on it.</summary>
    public async Task<OutboundResult<string>> FindAppTypeAsync(UemSettings s, string appId, CancellationToken ct)
    {
        OutboundResult<string>? last = null;
        foreach (var type in AppTypes)
        {
            var result = await SendAsync<string>(s, HttpMethod.Get, $"mam/apps/{type}/{Uri.EscapeDataString(appId)}", null, $"UEM GET app {appId} ({type})",
                (_, _) => Task.FromResult<string?>(type), ct);
            if (result.Success) return result;
            if (result.StatusCode != (int)HttpStatusCode.NotFound) return result;
            last = result;
        }
        return last! with { Retryable = false, FailureReason = $"UEM has no internal, public or purchased app with id {appId}" };
    }

    /// <summary>POST /mam/apps/{type}/{id}/install with {"DeviceId": n}; UEM answers 2xx with an empty body.</summary>
    public Task<OutboundResult<bool>> InstallAppAsync(UemSettings s, string appType, string appId, long deviceId, CancellationToken ct) =>
        SendAsync<bool>(s, HttpMethod.Post, $"mam/apps/{appType}/{Uri.EscapeDataString(appId)}/install",
            () => JsonContent.Create(new { DeviceId = deviceId }), $"UEM install {appType} app {appId} on device {deviceId}",
            (_, _) => Task.FromResult(true), ct);

    public Task<OutboundResult<string>> GetDeviceUuidAsync(UemSettings s, long deviceId, CancellationToken ct) =>
        SendAsync(s, HttpMethod.Get, $"mdm/devices/{deviceId}", null, $"UEM GET device {deviceId}",
            async (r, c) => (await ReadJsonAsync(r, c))?["Uuid"]?.ToString(), ct);

    /// <summary>The state of one app on one device, matched by package id (bundle id) or else by name; null if UEM lists no such app.</summary>
    public Task<OutboundResult<DeviceAppState>> GetDeviceAppAsync(UemSettings s, string deviceUuid, string appName, string? packageId, CancellationToken ct) =>
        SendAsync(s, HttpMethod.Get,
            $"mdm/devices/{Uri.EscapeDataString(deviceUuid)}/apps/search?searchtext={Uri.EscapeDataString(appName)}&page=0&pagesize=500",
            null, $"UEM GET apps of device {deviceUuid}",
            async (r, c) =>
            {
                if (await ReadJsonAsync(r, c) is not { } root || root["app_items"] is not JsonArray items) return null;
                var match = items.OfType<JsonObject>().FirstOrDefault(i =>
                                !string.IsNullOrEmpty(packageId) && string.Equals(i["bundle_id"]?.ToString(), packageId, StringComparison.OrdinalIgnoreCase))
                            ?? items.OfType<JsonObject>().FirstOrDefault(i => string.Equals(i["name"]?.ToString(), appName, StringComparison.OrdinalIgnoreCase));
                return match is null ? null : new DeviceAppState(match["installed_status"]?.ToString(), match["latest_uem_action"]?.ToString());
            }, ct);

    /// <summary>GET /API/system/info: the cheap, read-only call for "test connection".</summary>
    public Task<OutboundResult<string>> GetSystemInfoAsync(UemSettings s, CancellationToken ct) =>
        SendAsync(s, HttpMethod.Get, "system/info", null, "UEM GET system/info",
            async (r, c) => (await ReadJsonAsync(r, c))?["ProductVersion"]?.ToString() ?? "", ct);

    private Task<OutboundResult<T>> SendAsync<T>(UemSettings s, HttpMethod method, string path, Func<HttpContent>? content, string describe,
        Func<HttpResponseMessage, CancellationToken, Task<T?>> onSuccess, CancellationToken ct) =>
        call.SendAsync(http, ConnectorKinds.Uem, describe, s.OAuth, s.UserName, s.Password, () =>
        {
            var request = new HttpRequestMessage(method, ServiceNowClient.Combine(s.BaseUrl, "API/" + path)) { Content = content?.Invoke() };
            // With OAuth the tenant code is optional (reference uem-api.md §1.3); sending it when known does no harm.
            if (!string.IsNullOrEmpty(s.TenantCode)) request.Headers.Add("aw-tenant-code", s.TenantCode);
            request.Headers.Accept.ParseAdd("application/json");
            return request;
        }, onSuccess, ExplainError, ct);

    /// <summary>UEM errors: {"errorCode": n, "message": "…", "activityId": "…"}; 404 bodies may be HTML.</summary>
    internal static string ExplainError(HttpResponseMessage response, string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject { } root && root["errorCode"] is { } code)
            {
                return $"errorCode {code}: {root["message"]}";
            }
        }
        catch (JsonException)
        {
        }
        return body.StartsWith('<') ? "(HTML body)" : body;
    }

    /// <summary>UEM answers 204 or an empty body when nothing matches.</summary>
    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }
}
