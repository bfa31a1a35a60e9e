using System.Text.Json.Nodes;
using Conduit.Simulators;

namespace Conduit.Tests.Infrastructure;

/// <summary>Intake bodies shaped like the spec's sample, filled from the UEM simulator's seeded data.</summary>
public static class Requests
{
    public static JsonObject For(UemSimulator uem, int deviceId = 1, int appId = 101, Guid? requestId = null, string notes = "Need it for the Q3 budget")
    {
        var device = uem.GetDevice(deviceId);
        var user = uem.GetUser(device.UserId);
        var app = uem.Apps.Single(a => a.Id == appId);
        var body = new JsonObject
        {
            ["RequestFor"] = new JsonObject
            {
                ["UserId"] = user.Id.ToString(),
                ["UserAttributes"] = new JsonObject
                {
                    ["user_name"] = user.UserName,
                    ["last_name"] = user.LastName,
                    ["first_name"] = user.FirstName,
                    ["email"] = user.Email,
                },
            },
            ["Domain"] = "ACME",
            ["DeviceId"] = device.Id,
            ["DeviceProperties"] = new JsonObject
            {
                ["name"] = device.FriendlyName,
                ["device_udid"] = device.Udid,
                ["platform"] = "Windows 10",
            },
            ["Notes"] = notes,
            ["CatalogItem"] = new JsonObject
            {
                ["Id"] = app.Id.ToString(),
                ["Name"] = app.Name,
                ["Categories"] = null,
                ["Properties"] = new JsonObject
                {
                    ["package_id"] = app.BundleId,
                    ["version"] = app.Version,
                    ["platform"] = "WinRT",
                },
            },
        };
        if (requestId is { } id) body["RequestId"] = id.ToString();
        return body;
    }
}
