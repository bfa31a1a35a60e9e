using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

public sealed partial class UemSimulator
{
    private const int MaxPageSize = 500;

    private void MapApi(WebApplication app)
    {
        var api = app.MapGroup("/API");
        api.MapGet("/system/info", () => Ok(new
        {
            ProductName = "Workspace ONE UEM",
            ProductCopyright = "Copyright Omnissa",
            ProductVersion = "24.10.0.0",
            Version = 24,
            Resources = new { Workspaces = Array.Empty<object>(), Collections = Array.Empty<object>() },
        }));
        api.MapGet("/mdm/devices/search", SearchDevices);
        api.MapGet("/mdm/devices/{id}", GetDeviceById);
        api.MapGet("/mdm/devices/{deviceUuid}/apps/search", SearchDeviceApps);
        api.MapGet("/system/users/search", SearchUsers);
        api.MapGet("/mam/apps/search", SearchApps);
        api.MapGet("/mam/apps/{type}/{id:int}", GetAppByType);
        api.MapPost("/mam/apps/{type}/{id:int}/install", InstallAsync);
        api.MapGet("/mam/apps/{appUuid}/devices", AppDevices);
    }

    private static IResult Ok(object body) => Results.Json(body, Json, "application/json; charset=utf-8");

    private static IResult DeviceNotFound() => Error(404, 5061, "Device not found for this request.");

    private static IResult AppNotFound() => Error(404, 404, "Application not found");

    // uem-api.md §2.5/§4: page is 0-based; pagesize defaults to and is clamped at 500.
    private static (int Page, int PageSize) Paging(HttpRequest request)
    {
        var page = int.TryParse(request.Query["page"], CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 0;
        var size = int.TryParse(request.Query["pagesize"], CultureInfo.InvariantCulture, out var s) && s > 0 ? Math.Min(s, MaxPageSize) : MaxPageSize;
        return (page, size);
    }

    private IResult SearchDevices(HttpRequest request)
    {
        var (page, size) = Paging(request);
        var userFilter = request.Query["user"].ToString();
        IEnumerable<int> ids;
        long total;
        if (userFilter.Length > 0)
        {
            // Device i belongs to user ((i-1) % UserCount)+1, so a user's devices are j, j+U, j+2U, ...
            var user = _catalogue.FindUserByName(userFilter);
            var count = user is null || user.Id > Options.DeviceCount ? 0 : ((Options.DeviceCount - user.Id) / Options.UserCount) + 1;
            total = count;
            ids = Enumerable.Range(0, count).Skip(page * size).Take(size).Select(k => user!.Id + k * Options.UserCount);
        }
        else
        {
            total = Options.DeviceCount;
            var first = (long)page * size + 1;
            var last = Math.Min(first + size - 1, Options.DeviceCount);
            ids = first > last ? [] : Enumerable.Range((int)first, (int)(last - first + 1));
        }
        var devices = ids.Select(id => DeviceJson(GetDevice(id))).ToArray();
        return devices.Length == 0
            ? Results.NoContent()
            : Ok(new { Devices = devices, Page = page, PageSize = size, Total = total });
    }

    private IResult GetDeviceById(string id)
    {
        var device = int.TryParse(id, CultureInfo.InvariantCulture, out var numeric)
            ? _catalogue.FindDevice(numeric)
            : _catalogue.FindDeviceByUuid(id);
        return device is null ? DeviceNotFound() : Ok(DeviceJson(device));
    }

    private object DeviceJson(UemDevice d)
    {
        var user = GetUser(d.UserId);
        return new
        {
            Id = new { Value = d.Id },
            d.Uuid,
            d.Udid,
            d.SerialNumber,
            MacAddress = $"00155D{d.Id & 0xFFFFFF:X6}",
            AssetNumber = d.Udid,
            DeviceFriendlyName = d.FriendlyName,
            DeviceReportedName = d.FriendlyName,
            LocationGroupId = new { Id = new { Value = 570 }, Name = "Conduit", Uuid = "6f1c2f4e-1b2a-4c3d-9e8f-0a1b2c3d4e5f" },
            LocationGroupName = "Conduit",
            UserId = new { Id = new { Value = d.UserId }, Name = $"{user.FirstName} {user.LastName}", user.Uuid },
            d.UserName,
            UserEmailAddress = user.Email,
            Ownership = "C",
            PlatformId = new { Id = new { Value = 12 }, Name = "WinRT" },
            d.Platform,
            ModelId = new { Id = new { Value = 50 }, Name = "Windows Desktop" },
            Model = "Windows Desktop",
            d.OperatingSystem,
            LastSeen = DateTime.UtcNow.AddMinutes(-(d.Id % 120)).ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture),
            EnrollmentStatus = "Enrolled",
            ComplianceStatus = "Compliant",
            CompromisedStatus = false,
            EnrollmentUserUuid = user.Uuid,
            ManagedBy = 1,
        };
    }

    private IResult SearchUsers(HttpRequest request)
    {
        var (page, size) = Paging(request);
        var userName = request.Query["username"].ToString();
        var email = request.Query["email"].ToString();
        if (userName.Length == 0 && email.Length == 0)
        {
            // No filter: compute the page from the ids instead of materialising every user.
            var first = (long)page * size + 1;
            var count = (int)Math.Clamp(Options.UserCount - first + 1, 0, size);
            var pageItems = Enumerable.Range((int)Math.Min(first, int.MaxValue), count).Select(GetUser).Select(UserJson).ToArray();
            return pageItems.Length == 0 ? Results.NoContent() : Ok(new { Users = pageItems, Page = page, PageSize = size, Total = Options.UserCount });
        }
        var users = Enumerable.Range(1, Options.UserCount).Select(GetUser)
            .Where(u => userName.Length == 0 || u.UserName.Contains(userName, StringComparison.OrdinalIgnoreCase))
            .Where(u => email.Length == 0 || u.Email.Contains(email, StringComparison.OrdinalIgnoreCase))
            .ToArray();
        var items = users.Skip(page * size).Take(size).Select(UserJson).ToArray();
        return items.Length == 0 ? Results.NoContent() : Ok(new { Users = items, Page = page, PageSize = size, Total = users.Length });
    }

    private static object UserJson(UemUser u) => new
        {
            Id = new { Value = u.Id },
            u.Uuid,
            u.UserName,
            u.FirstName,
            u.LastName,
            u.Email,
            DisplayName = $"{u.FirstName} {u.LastName}",
            Status = true,
            Group = "Conduit",
            LocationGroupId = "570",
            Role = "Full Access",
            SecurityType = "Directory",
        };

    private IResult SearchApps(HttpRequest request)
    {
        var (page, size) = Paging(request);
        var name = request.Query["applicationname"].ToString();
        var type = request.Query["applicationtype"].ToString();
        var bundle = request.Query["bundleid"].ToString();
        var apps = Apps
            .Where(a => name.Length == 0 || a.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
            .Where(a => type.Length == 0 || string.Equals(a.AppType, type, StringComparison.OrdinalIgnoreCase))
            .Where(a => bundle.Length == 0 || string.Equals(a.BundleId, bundle, StringComparison.OrdinalIgnoreCase))
            .ToArray();
        var items = apps.Skip(page * size).Take(size).Select(AppJson).ToArray();
        // uem-api.md §3: 204 with no body when nothing matches.
        return items.Length == 0 ? Results.NoContent() : Ok(new { Application = items, Page = page, PageSize = size, Total = apps.Length });
    }

    private IResult GetAppByType(string type, int id)
    {
        var app = _catalogue.FindApp(id);
        return app is null || !string.Equals(app.AppType, type, StringComparison.OrdinalIgnoreCase) ? AppNotFound() : Ok(AppJson(app));
    }

    private object AppJson(UemApp a)
    {
        var states = _states.Where(s => s.Key.AppId == a.Id).Select(s => s.Value).ToArray();
        var installed = states.Count(s => s.InstalledStatus == "Installed");
        return new
        {
            Id = new { Value = a.Id },
            a.Uuid,
            ApplicationName = a.Name,
            a.BundleId,
            AppVersion = a.Version,
            ActualFileVersion = a.Version,
            a.AppType,
            Status = "Active",
            Platform = 12,
            AssignmentStatus = "Assigned",
            SupportedModels = new { Model = new[] { new { ModelId = 50, ModelName = "Windows Desktop" } } },
            LocationGroupId = 570,
            RootLocationGroupName = "Conduit",
            AssignedDeviceCount = Options.DeviceCount,
            InstalledDeviceCount = installed,
            NotInstalledDeviceCount = Options.DeviceCount - installed,
        };
    }

    // uem-api.md §2.2: body DeviceInfo {DeviceId | Udid | SerialNumber | MacAddress}; success 202, empty body.
    private async Task<IResult> InstallAsync(string type, int id, HttpRequest request)
    {
        var app = _catalogue.FindApp(id);
        if (app is null || !string.Equals(app.AppType, type, StringComparison.OrdinalIgnoreCase))
        {
            return AppNotFound();
        }
        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return Error(400, 400, "The request is invalid. The request body could not be read as DeviceInfo.");
        }
        UemDevice? device;
        using (body)
        {
            if (body.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Error(400, 400, "The request is invalid. The request body could not be read as DeviceInfo.");
            }
            var deviceId = Property(body.RootElement, "DeviceId");
            var udid = Property(body.RootElement, "Udid");
            var serial = Property(body.RootElement, "SerialNumber");
            if (deviceId is null && udid is null && serial is null)
            {
                return Error(400, 400, "The request is invalid. One of DeviceId, Udid or SerialNumber is required.");
            }
            device = deviceId is not null
                ? (int.TryParse(deviceId, CultureInfo.InvariantCulture, out var n) ? _catalogue.FindDevice(n) : null)
                : udid is not null ? _catalogue.FindDeviceByUdid(udid) : _catalogue.FindDeviceBySerial(serial!);
        }
        if (device is null)
        {
            return DeviceNotFound();
        }
        var now = DateTimeOffset.UtcNow;
        lock (_commandsGate)
        {
            _commands.Add(new InstallCommand(app.Id, app.AppType, device.Id, now));
        }
        _installCounts.AddOrUpdate((device.Id, app.Id), 1, (_, c) => c + 1);
        var state = _states.GetOrAdd((device.Id, app.Id), _ => new DeviceAppState());
        int generation;
        lock (state)
        {
            state.LatestAction = "InstallCommandDispatched";
            state.ActionTime = now;
            generation = ++state.Generation;
            if (state.InstalledStatus != "Installed")
            {
                state.InstalledStatus = "NotInstalled";
            }
        }
        ScheduleInstalled(app, device.Id, state, generation);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static string? Property(JsonElement obj, string name)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString() is { Length: > 0 } s ? s : null,
                    JsonValueKind.Number => p.Value.GetRawText(),
                    _ => null,
                };
            }
        }
        return null;
    }

    // uem-api.md §2.6: snake_case app_items with install status and the latest UEM action.
    private IResult SearchDeviceApps(string deviceUuid, HttpRequest request)
    {
        var device = _catalogue.FindDeviceByUuid(deviceUuid);
        if (device is null)
        {
            return DeviceNotFound();
        }
        var (page, size) = Paging(request);
        var text = request.Query["searchtext"].ToString();
        var apps = Apps.Where(a => text.Length == 0 || a.Name.Contains(text, StringComparison.OrdinalIgnoreCase)).ToArray();
        var items = apps.Skip(page * size).Take(size).Select(a =>
        {
            var (installed, action, time, version) = Snapshot(device.Id, a.Id);
            return new
            {
                name = a.Name,
                bundle_id = a.BundleId,
                assignment_status = "Assigned",
                assigned_version = a.Version,
                installed_status = installed,
                installed_version = version,
                latest_uem_action = action,
                latest_uem_action_time = time,
                application_uuid = a.Uuid,
                application_type = a.AppType,
            };
        }).ToArray();
        return Ok(new { app_items = items, TotalResults = apps.Length });
    }

    // uem-api.md §2.7: devices that have any state for the app, with the approval fields.
    private IResult AppDevices(string appUuid, HttpRequest request)
    {
        var app = _catalogue.FindAppByUuid(appUuid);
        if (app is null)
        {
            return AppNotFound();
        }
        var (page, size) = Paging(request);
        var deviceIds = _states.Keys.Where(k => k.AppId == app.Id).Select(k => k.DeviceId).Order().ToArray();
        var items = deviceIds.Skip(page * size).Take(size).Select(id =>
        {
            var device = GetDevice(id);
            var (installed, action, time, version) = Snapshot(id, app.Id);
            return new
            {
                device_id = id,
                device_uuid = device.Uuid,
                application_uuid = app.Uuid,
                friendly_name = device.FriendlyName,
                enrollment_user_name = device.UserName,
                enrollment_user_id = device.UserId,
                assignment_status = "Assigned",
                installed_status = installed,
                installed_version = version,
                last_action_taken = action,
                latest_action_taken_date_time = time,
                requires_approval = app.RequiresApproval,
                approval_received = app.RequiresApproval && action is "InstallCommandDispatched" or "InstallCommandReadyForDevice",
            };
        }).ToArray();
        return Ok(new { devices = items, TotalResults = deviceIds.Length });
    }

    private (string Installed, string Action, string? Time, string? Version) Snapshot(int deviceId, int appId)
    {
        if (!_states.TryGetValue((deviceId, appId), out var state))
        {
            return ("NotInstalled", "Unknown", null, null);
        }
        lock (state)
        {
            return (state.InstalledStatus, state.LatestAction,
                state.ActionTime?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture), state.InstalledVersion);
        }
    }
}
