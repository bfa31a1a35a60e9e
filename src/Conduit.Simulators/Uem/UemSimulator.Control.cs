using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

/// <summary>App status and assignment endpoints, plus control calls that play the device and the Intelligent Hub.</summary>
public sealed partial class UemSimulator
{
    private static readonly JsonSerializerOptions ControlJson = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _hubClient = new() { Timeout = TimeSpan.FromSeconds(30) };

    private void MapAppExtras(WebApplication app)
    {
        var api = app.MapGroup("/API");
        api.MapGet("/mam/apps/{type}/{id:int}/status", AppStatus);
        api.MapGet("/mam/apps/{appUuid}/assignment-rule", AssignmentRule);
    }

    private void MapControl(WebApplication app)
    {
        app.MapPost("/_control/hub/request", (Delegate)HubRequestAsync);
        app.MapPost("/_control/devices/{deviceId:int}/apps/{appId:int}/installed", (int deviceId, int appId) =>
        {
            if (_catalogue.FindApp(appId) is null || _catalogue.FindDevice(deviceId) is null)
            {
                return Results.NotFound(new { error = "Unknown device or app." });
            }
            ReportInstalled(appId, deviceId);
            return Results.NoContent();
        });
    }

    // uem-api.md §2.1 names GET /mam/apps/{type}/{id}/status?deviceid=&macaddress=&serialnumber=&udid=.
    // Inferred shape (the swagger model was not captured): PascalCase like the other v1 bodies.
    private IResult AppStatus(string type, int id, HttpRequest request)
    {
        var app = _catalogue.FindApp(id);
        if (app is null || !string.Equals(app.AppType, type, StringComparison.OrdinalIgnoreCase))
        {
            return AppNotFound();
        }
        var q = request.Query;
        var device = int.TryParse(q["deviceid"], CultureInfo.InvariantCulture, out var deviceId) ? _catalogue.FindDevice(deviceId)
            : q["udid"].ToString() is { Length: > 0 } udid ? _catalogue.FindDeviceByUdid(udid)
            : q["serialnumber"].ToString() is { Length: > 0 } serial ? _catalogue.FindDeviceBySerial(serial)
            : null;
        if (device is null)
        {
            return DeviceNotFound();
        }
        var (installed, action, time, version) = Snapshot(device.Id, app.Id);
        return Ok(new
        {
            ApplicationId = app.Id,
            ApplicationUuid = app.Uuid,
            ApplicationName = app.Name,
            DeviceId = device.Id,
            DeviceUuid = device.Uuid,
            Status = installed,
            IsInstalled = installed == "Installed",
            InstalledVersion = version,
            AssignedVersion = app.Version,
            LatestUemAction = action,
            LatestUemActionTime = time,
        });
    }

    // uem-api.md §2.7: AppAssignmentRuleV1Model {assignments:[{priority, distribution{…, requires_approval}}], excluded_smart_groups}.
    private IResult AssignmentRule(string appUuid)
    {
        var app = _catalogue.FindAppByUuid(appUuid);
        if (app is null)
        {
            return AppNotFound();
        }
        return Ok(new
        {
            id = app.Id,
            uuid = app.Uuid,
            assignments = new[]
            {
                new
                {
                    priority = 0,
                    distribution = new
                    {
                        name = "All Windows devices",
                        description = app.RequiresApproval ? "On demand, approval required" : "On demand",
                        smart_groups = new[] { "3f0e3b6c-5a59-4d3b-9c51-3d1a2e0f7a10" },
                        app_delivery_method = 1, // inferred: 1 = On Demand, 2 = Auto
                        effective_date = "2024-01-01T00:00:00",
                        display_in_app_catalog = true,
                        requires_approval = app.RequiresApproval,
                        hide_notifications = false,
                        is_default_assignment = true,
                    },
                },
            },
            excluded_smart_groups = Array.Empty<string>(),
        });
    }

    /// <summary>
    /// Plays the Intelligent Hub "Request" button: the device-app goes PendingApproval and, when
    /// HubIntakeUrl and HubIntakeKey are set, the hub intake request is POSTed (uem-api.md §5.1 sample,
    /// without Links). Answers with the hub's status and body, or 202 when no hub is configured.
    /// </summary>
    private async Task<IResult> HubRequestAsync(HttpContext context)
    {
        HubRequestDto? dto;
        try
        {
            dto = await JsonSerializer.DeserializeAsync<HubRequestDto>(context.Request.Body, ControlJson, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return Results.BadRequest(new { error = ex.Message });
        }
        if (dto is null || _catalogue.FindApp(dto.AppId) is not { } app || _catalogue.FindDevice(dto.DeviceId) is not { } device)
        {
            return Results.NotFound(new { error = "Unknown device or app." });
        }
        RequestApproval(app.Id, device.Id);
        if (Options.HubIntakeUrl is not { } url || string.IsNullOrEmpty(Options.HubIntakeKey))
        {
            return Results.Json(new { deviceId = device.Id, appId = app.Id, status = "PendingApproval" }, statusCode: 202);
        }
        var body = HubIntakeBody(device, app, dto.Justification ?? "");
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Options.HubIntakeKey);
        try
        {
            using var response = await _hubClient.SendAsync(request, context.RequestAborted).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(context.RequestAborted).ConfigureAwait(false);
            var contentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            return Results.Text(text, contentType, Encoding.UTF8, (int)response.StatusCode);
        }
        catch (HttpRequestException ex)
        {
            return Results.Json(new { error = "The hub did not answer: " + ex.Message }, statusCode: 502);
        }
    }

    /// <summary>The intake body the Hub's Request button causes (the spec sample without RequestId/DueDate/Links).</summary>
    public JsonObject HubIntakeBody(UemDevice device, UemApp app, string justification)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(app);
        var user = GetUser(device.UserId);
        return new JsonObject
        {
            ["RequestFor"] = new JsonObject
            {
                ["UserId"] = user.Id.ToString(CultureInfo.InvariantCulture),
                ["UserAttributes"] = new JsonObject { ["user_name"] = user.UserName, ["last_name"] = user.LastName, ["first_name"] = user.FirstName, ["email"] = user.Email },
            },
            ["Domain"] = Options.Domain,
            ["DeviceId"] = device.Id,
            ["DeviceProperties"] = new JsonObject { ["name"] = device.FriendlyName, ["device_udid"] = device.Udid, ["platform"] = device.OperatingSystem },
            ["Notes"] = justification,
            ["CatalogItem"] = new JsonObject
            {
                ["Id"] = app.Id.ToString(CultureInfo.InvariantCulture),
                ["Name"] = app.Name,
                ["Categories"] = null,
                ["Properties"] = new JsonObject { ["package_id"] = app.BundleId, ["version"] = app.Version, ["platform"] = "WinRT" },
            },
        };
    }

    /// <inheritdoc />
    protected override ValueTask DisposeCoreAsync()
    {
        _hubClient.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record HubRequestDto(int DeviceId, int AppId, string? Justification);
}
