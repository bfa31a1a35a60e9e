using System.Text.Json;

namespace Conduit.AppApprovals;

/// <summary>A validated intake body (DESIGN §3.3: the ServiceNow payload without Links; DueDate is the hub's).</summary>
public sealed record IntakeRequest(
    Guid? RequestId,
    string UserId, string UserName, string? FirstName, string? LastName, string? Email,
    string? Domain,
    long DeviceId, string? DeviceName, string? DeviceUdid, string? DevicePlatform,
    string? Notes,
    string AppId, string AppName, string? CategoriesJson, string? PackageId, string? AppVersion, string? AppPlatform);

/// <summary>Reads the intake JSON field by field so that every problem is reported with its path, and values the
/// catalog sends as strings or numbers ("15" or 15) are both accepted.</summary>
public static class IntakeParser
{
    public static (IntakeRequest? Request, Dictionary<string, string[]> Errors) Parse(JsonElement root)
    {
        var e = new Errors();
        if (root.ValueKind != JsonValueKind.Object)
        {
            e.Add("$", "The body must be a JSON object.");
            return (null, e.All);
        }

        Guid? requestId = null;
        if (Prop(root, "RequestId") is { ValueKind: not JsonValueKind.Null } rid)
        {
            if (rid.ValueKind == JsonValueKind.String && Guid.TryParse(rid.GetString(), out var g) && g != Guid.Empty) requestId = g;
            else e.Add("RequestId", "Must be a GUID string, e.g. \"bffb4469-56fb-4141-9ab0-0897f65143ba\", or be left out.");
        }

        var requestFor = RequiredObject(root, "RequestFor", "RequestFor", e);
        string? userId = null, userName = null, firstName = null, lastName = null, email = null;
        if (requestFor is { } rf)
        {
            userId = Identifier(rf, "UserId", "RequestFor.UserId", 100, e);
            var attrs = RequiredObject(rf, "UserAttributes", "RequestFor.UserAttributes", e);
            if (attrs is { } a)
            {
                userName = Text(a, "user_name", "RequestFor.UserAttributes.user_name", 40, required: true, e);
                lastName = Text(a, "last_name", "RequestFor.UserAttributes.last_name", 100, required: false, e);
                firstName = Text(a, "first_name", "RequestFor.UserAttributes.first_name", 100, required: false, e);
                email = Text(a, "email", "RequestFor.UserAttributes.email", 254, required: false, e);
            }
        }

        var domain = Text(root, "Domain", "Domain", 255, required: false, e);

        long deviceId = 0;
        switch (Prop(root, "DeviceId"))
        {
            case null or { ValueKind: JsonValueKind.Null }:
                e.Add("DeviceId", "Required: the UEM device id (a positive whole number).");
                break;
            case { } d when d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var n) && n > 0:
                deviceId = n;
                break;
            case { } d when d.ValueKind == JsonValueKind.String && long.TryParse(d.GetString(), out var n) && n > 0:
                deviceId = n;
                break;
            default:
                e.Add("DeviceId", "Must be a positive whole number, e.g. 123.");
                break;
        }

        string? deviceName = null, udid = null, devicePlatform = null;
        if (OptionalObject(root, "DeviceProperties", "DeviceProperties", e) is { } dp)
        {
            deviceName = Text(dp, "name", "DeviceProperties.name", 255, required: false, e);
            udid = Text(dp, "device_udid", "DeviceProperties.device_udid", 100, required: false, e);
            devicePlatform = Text(dp, "platform", "DeviceProperties.platform", 100, required: false, e);
        }

        var notes = Text(root, "Notes", "Notes", 4000, required: false, e);

        string? appId = null, appName = null, categories = null, packageId = null, version = null, appPlatform = null;
        if (RequiredObject(root, "CatalogItem", "CatalogItem", e) is { } ci)
        {
            appId = Identifier(ci, "Id", "CatalogItem.Id", 100, e);
            appName = Text(ci, "Name", "CatalogItem.Name", 300, required: true, e);
            if (Prop(ci, "Categories") is { } cat && cat.ValueKind is not JsonValueKind.Null)
            {
                if (cat.ValueKind is JsonValueKind.Array or JsonValueKind.String) categories = cat.GetRawText();
                else e.Add("CatalogItem.Categories", "Must be null, a string or an array.");
            }
            if (OptionalObject(ci, "Properties", "CatalogItem.Properties", e) is { } p)
            {
                packageId = Text(p, "package_id", "CatalogItem.Properties.package_id", 255, required: false, e);
                version = Text(p, "version", "CatalogItem.Properties.version", 100, required: false, e);
                appPlatform = Text(p, "platform", "CatalogItem.Properties.platform", 100, required: false, e);
            }
        }

        if (e.Any) return (null, e.All);
        return (new IntakeRequest(requestId, userId!, userName!, firstName, lastName, email, domain, deviceId, deviceName, udid, devicePlatform,
            notes, appId!, appName!, categories, packageId, version, appPlatform), e.All);
    }

    private static JsonElement? Prop(JsonElement obj, string name)
    {
        if (obj.TryGetProperty(name, out var exact)) return exact;
        foreach (var p in obj.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        }
        return null;
    }

    private static JsonElement? RequiredObject(JsonElement obj, string name, string path, Errors e)
    {
        var v = Prop(obj, name);
        if (v is { ValueKind: JsonValueKind.Object }) return v;
        e.Add(path, v is null or { ValueKind: JsonValueKind.Null } ? "Required." : "Must be a JSON object.");
        return null;
    }

    private static JsonElement? OptionalObject(JsonElement obj, string name, string path, Errors e)
    {
        var v = Prop(obj, name);
        if (v is null or { ValueKind: JsonValueKind.Null }) return null;
        if (v is { ValueKind: JsonValueKind.Object }) return v;
        e.Add(path, "Must be a JSON object.");
        return null;
    }

    /// <summary>An id that UEM sends as a string ("15") or a number (15).</summary>
    private static string? Identifier(JsonElement obj, string name, string path, int max, Errors e)
    {
        var v = Prop(obj, name);
        string? s = v switch
        {
            { ValueKind: JsonValueKind.String } str => str.GetString(),
            { ValueKind: JsonValueKind.Number } num when num.TryGetInt64(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(s))
        {
            e.Add(path, v is null or { ValueKind: JsonValueKind.Null } ? "Required." : "Must be a non-empty string or a whole number.");
            return null;
        }
        if (s.Length > max)
        {
            e.Add(path, $"At most {max} characters.");
            return null;
        }
        return s.Trim();
    }

    private static string? Text(JsonElement obj, string name, string path, int max, bool required, Errors e)
    {
        var v = Prop(obj, name);
        if (v is null or { ValueKind: JsonValueKind.Null })
        {
            if (required) e.Add(path, "Required.");
            return null;
        }
        if (v.Value.ValueKind != JsonValueKind.String)
        {
            e.Add(path, "Must be a string.");
            return null;
        }
        var s = v.Value.GetString()!;
        if (required && string.IsNullOrWhiteSpace(s))
        {
            e.Add(path, "Must not be empty.");
            return null;
        }
        if (s.Length > max)
        {
            e.Add(path, $"At most {max} characters (got {s.Length}).");
            return null;
        }
        return s;
    }

    private sealed class Errors
    {
        public Dictionary<string, string[]> All { get; } = new(StringComparer.Ordinal);
        public bool Any => All.Count > 0;
        public void Add(string path, string message) =>
            All[path] = All.TryGetValue(path, out var existing) ? [.. existing, message] : [message];
    }
}
