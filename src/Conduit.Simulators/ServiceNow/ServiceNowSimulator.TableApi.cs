using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Conduit.Simulators;

/// <summary>The Table API (servicenow-and-slack.md §2, checklist §9.1–§9.7).</summary>
public sealed partial class ServiceNowSimulator
{
    private const int DefaultLimit = 10000;

    private void MapTableApi(WebApplication app)
    {
        foreach (var prefix in new[] { "/api/now/table", "/api/now/{version}/table" })
        {
            app.MapGet(prefix + "/{table}", (HttpContext context, string table) => List(context, table));
            app.MapPost(prefix + "/{table}", (HttpContext context, string table) => InsertAsync(context, table));
            app.MapGet(prefix + "/{table}/{sysId}", (HttpContext context, string table, string sysId) => GetOne(context, table, sysId));
            app.MapMethods(prefix + "/{table}/{sysId}", ["PATCH", "PUT"], (HttpContext context, string table, string sysId) => UpdateAsync(context, table, sysId));
            app.MapDelete(prefix + "/{table}/{sysId}", (HttpContext context, string table, string sysId) => DeleteOne(context, table, sysId));
        }
    }

    private static IResult NoRecord() => Failure(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");

    // Order as on an instance: unknown URI version, then authentication (+ rate limit), ACL, then the table name.
    private IResult? Guard(HttpContext context, string table, out string user)
    {
        user = "";
        if (context.GetRouteValue("version") is string version && !IsVersion(version))
        {
            return UnknownUri();
        }
        if (Authenticate(context, out user) is { } denied)
        {
            return denied;
        }
        if (Options.TableApiForbidden)
        {
            // §2.5: 403 "User Not Authorized" for an ACL/role denial (the detail wording is inferred).
            return Failure(403, "User Not Authorized", $"Insufficient rights to access table {table}: the user lacks the required roles");
        }
        return Tables.Contains(table) ? null : Failure(400, "Invalid table " + table, null);
    }

    // §2.2/§2.3: sysparm_query, limit/offset, fields, display values; X-Total-Count and Link headers.
    private IResult List(HttpContext context, string table)
    {
        if (Guard(context, table, out _) is { } denied)
        {
            return denied;
        }
        var q = context.Request.Query;
        var encoded = q["sysparm_query"].ToString();
        var query = encoded.Length > 0
            ? EncodedQuery.Parse(encoded)
            : EncodedQuery.FromPairs(q.Where(p => !p.Key.StartsWith("sysparm_", StringComparison.Ordinal))
                .Select(p => new KeyValuePair<string, string>(p.Key, p.Value.ToString())));
        var rows = query.Apply(Snapshot(table)!);
        var limit = int.TryParse(q["sysparm_limit"], CultureInfo.InvariantCulture, out var l) && l > 0 ? l : DefaultLimit;
        var offset = int.TryParse(q["sysparm_offset"], CultureInfo.InvariantCulture, out var o) && o > 0 ? o : 0;
        if (context.GetRouteValue("version") is "v1" && rows.Count == 0)
        {
            return NoRecord(); // §2.1: v1 answers 404 where v2 answers an empty list
        }
        var headers = context.Response.Headers;
        if (!IsTrue(q["sysparm_no_count"]))
        {
            headers["X-Total-Count"] = rows.Count.ToString(CultureInfo.InvariantCulture);
        }
        if (!IsTrue(q["sysparm_suppress_pagination_header"]))
        {
            headers.Link = LinkHeader(context.Request, rows.Count, offset, limit);
        }
        return Result(rows.Skip(offset).Take(limit).Select(r => Render(context, table, r)).ToArray());
    }

    private IResult GetOne(HttpContext context, string table, string sysId)
    {
        if (Guard(context, table, out _) is { } denied)
        {
            return denied;
        }
        return FindRow(table, sysId) is { } row ? Result(Render(context, table, row)) : NoRecord();
    }

    // §2.1: 201 + Location; X-no-response-body: true omits the body.
    private async Task<IResult> InsertAsync(HttpContext context, string table)
    {
        if (Guard(context, table, out var user) is { } denied)
        {
            return denied;
        }
        if (await ReadFieldsAsync(context).ConfigureAwait(false) is not { } values)
        {
            return Failure(400, "Exception while reading request", "The payload is not valid JSON.");
        }
        var row = Insert(table, values, user);
        var request = context.Request;
        context.Response.Headers.Location = $"{request.Scheme}://{request.Host}/api/now/table/{table}/{row["sys_id"]}";
        return NoBody(context) ? Results.StatusCode(201) : new SnJson(JsonSerializer.Serialize(new { result = Render(context, table, row) }, SnJsonOptions), 201);
    }

    private async Task<IResult> UpdateAsync(HttpContext context, string table, string sysId)
    {
        if (Guard(context, table, out var user) is { } denied)
        {
            return denied;
        }
        if (await ReadFieldsAsync(context).ConfigureAwait(false) is not { } values)
        {
            return Failure(400, "Exception while reading request", "The payload is not valid JSON.");
        }
        if (Update(table, sysId, values, user) is not { } row)
        {
            return NoRecord();
        }
        return NoBody(context) ? Results.Ok() : Result(Render(context, table, row));
    }

    // §9.3: 204 with an empty body.
    private IResult DeleteOne(HttpContext context, string table, string sysId)
    {
        if (Guard(context, table, out _) is { } denied)
        {
            return denied;
        }
        return Delete(table, sysId) ? Results.NoContent() : NoRecord();
    }

    private static bool NoBody(HttpContext context) => IsTrue(context.Request.Headers["X-no-response-body"]);

    private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The JSON object body as field → string (numbers and booleans as written, null as "").</summary>
    private static async Task<Dictionary<string, string>?> ReadFieldsAsync(HttpContext context)
    {
        string raw;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            raw = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }
        try
        {
            using var document = JsonDocument.Parse(raw.Length == 0 ? "{}" : raw);
            var body = document.RootElement;
            if (body.ValueKind == JsonValueKind.Array && body.GetArrayLength() > 0)
            {
                body = body[0]; // §2.1: of several records only the first is processed
            }
            if (body.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in body.EnumerateObject())
            {
                var value = property.Value;
                if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("value", out var inner))
                {
                    value = inner; // a reference written back as {"value": sys_id}
                }
                fields[property.Name] = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.Null or JsonValueKind.Undefined => "",
                    _ => value.GetRawText(),
                };
            }
            return fields;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // §2.2: sysparm_fields (unknown names ignored), sysparm_display_value true/false/all,
    // sysparm_exclude_reference_link; references render as {"link","value"} by default.
    private Dictionary<string, object> Render(HttpContext context, string table, IReadOnlyDictionary<string, string> row)
    {
        var q = context.Request.Query;
        var display = q["sysparm_display_value"].ToString().ToLowerInvariant() switch { "true" => "true", "all" => "all", _ => "false" };
        var excludeLinks = IsTrue(q["sysparm_exclude_reference_link"]);
        var requested = q["sysparm_fields"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var request = context.Request;
        var origin = $"{request.Scheme}://{request.Host}";
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (field, value) in row)
        {
            if (requested.Length > 0 && !requested.Contains(field, StringComparer.Ordinal))
            {
                continue;
            }
            if (IsReference(table, field) && value.Length > 0)
            {
                var link = $"{origin}/api/now/table/sys_user/{value}";
                var name = UserDisplayName(value);
                result[field] = (display, excludeLinks) switch
                {
                    ("false", true) => value,
                    ("true", true) => name,
                    ("false", false) => new Dictionary<string, string> { ["link"] = link, ["value"] = value },
                    ("true", false) => new Dictionary<string, string> { ["display_value"] = name, ["link"] = link },
                    (_, true) => new Dictionary<string, string> { ["display_value"] = name, ["value"] = value },
                    _ => new Dictionary<string, string> { ["display_value"] = name, ["link"] = link, ["value"] = value },
                };
            }
            else
            {
                // Our fields have no choice labels worth simulating: the display value is the value.
                result[field] = display == "all" ? new Dictionary<string, string> { ["display_value"] = value, ["value"] = value } : value;
            }
        }
        return result;
    }

    // §2.3: <url>;rel="first",<url>;rel="prev",<url>;rel="next",<url>;rel="last" (prev may be negative, no spaces).
    private static string LinkHeader(HttpRequest request, int total, int offset, int limit)
    {
        var kept = request.Query
            .Where(p => p.Key is not ("sysparm_offset" or "sysparm_limit"))
            .SelectMany(p => p.Value.Select(v => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(v ?? "")))
            .ToArray();
        var prefix = $"{request.Scheme}://{request.Host}{request.Path}?" + string.Concat(kept.Select(k => k + "&"));
        string Link(long at, string rel) => $"<{prefix}sysparm_limit={limit}&sysparm_offset={at}>;rel=\"{rel}\"";
        var links = new List<string> { Link(0, "first"), Link((long)offset - limit, "prev") };
        if ((long)offset + limit < total)
        {
            links.Add(Link((long)offset + limit, "next"));
        }
        links.Add(Link(total == 0 ? 0 : (long)(total - 1) / limit * limit, "last"));
        return string.Join(',', links);
    }
}
