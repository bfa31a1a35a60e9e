using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Conduit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Conduit.Tests.AppApprovals;

/// <summary>Bad input at the intake gets a 400 problem naming each bad field, and stores nothing.</summary>
public sealed class IntakeValidationTests : IAsyncLifetime
{
    private TestHub _hub = null!;

    public async Task InitializeAsync() => _hub = await TestHub.StartAsync();

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    private static JsonObject Valid() => JsonNode.Parse("""
        {
          "RequestFor": { "UserId": 15, "UserAttributes": { "user_name": "jdoe", "last_name": "Doe", "first_name": "Jane", "email": "jdoe@example.com" } },
          "Domain": "ACME",
          "DeviceId": "123",
          "DeviceProperties": { "name": "WIN-1", "device_udid": "F11C43E8307092418D7D5B0D9B48F235", "platform": "Windows 10" },
          "Notes": "please",
          "CatalogItem": { "Id": "267", "Name": "App Name", "Categories": ["Design"], "Properties": { "package_id": "{1}", "version": "9.20.0", "platform": "WinRT" } }
        }
        """)!.AsObject();

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"RequestFor":null}""", "RequestFor" },
        { """{"DeviceId":-4}""", "DeviceId" },
        { """{"DeviceId":"abc"}""", "DeviceId" },
        { """{"DeviceId":null}""", "DeviceId" },
        { """{"RequestId":"not-a-guid"}""", "RequestId" },
        { """{"CatalogItem":{"Name":"x"}}""", "CatalogItem.Id" },
        { """{"CatalogItem":{"Id":"1"}}""", "CatalogItem.Name" },
        { """{"RequestFor":{"UserId":"15","UserAttributes":{"user_name":""}}}""", "RequestFor.UserAttributes.user_name" },
        { """{"RequestFor":{"UserId":"15","UserAttributes":{"user_name":"this-user-name-is-longer-than-forty-characters"}}}""", "RequestFor.UserAttributes.user_name" },
        { """{"Notes":42}""", "Notes" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Invalid_field_is_named_in_a_400_problem_and_nothing_is_stored(string patch, string field)
    {
        var body = Valid();
        foreach (var (key, value) in JsonNode.Parse(patch)!.AsObject()) body[key] = value?.DeepClone();

        var response = await _hub.SubmitAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field), $"expected an error for {field}: {problem.ToJsonString()}");
        Assert.Equal(0, CountRows("app_requests"));
        Assert.Equal(0, CountRows("jobs"));
    }

    [Theory]
    [InlineData("{not json", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("[1,2]", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("RequestId=1", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    public async Task Malformed_bodies_get_a_problem_not_a_5xx(string content, string contentType, HttpStatusCode expected)
    {
        var response = await _hub.Intake.PostAsync("/api/v1/app-requests", new StringContent(content, Encoding.UTF8, contentType));
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(0, CountRows("app_requests"));
    }

    [Fact]
    public async Task Oversized_body_is_413()
    {
        var body = Valid();
        body["Notes"] = new string('x', 300_000);
        var response = await _hub.SubmitAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, CountRows("app_requests"));
    }

    [Fact]
    public async Task Strings_and_numbers_are_both_accepted_for_ids_and_the_request_is_stored_before_202()
    {
        var response = await _hub.SubmitAsync(Valid());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var summary = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Submitted", summary!["status"]!.ToString());
        Assert.Equal("Pending Approval", summary["uemStatus"]!.ToString());
        Assert.Equal("Pending", summary["hubStatus"]!.ToString());
        Assert.Equal($"/api/v1/app-requests/{summary["requestId"]}", response.Headers.Location!.ToString());
        Assert.Equal(1, CountRows("app_requests"));
        Assert.Equal(1, CountRows("jobs")); // the ServiceNow ticket, committed with the request (expiry is the row's DueDate)
    }

    [Fact]
    public async Task Intake_needs_a_key_and_the_intake_key_has_no_admin_rights()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _hub.Anonymous.PostAsJsonAsync("/api/v1/app-requests", Valid())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _hub.Client("wrong-key-wrong-key").PostAsJsonAsync("/api/v1/app-requests", Valid())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _hub.Intake.GetAsync("/api/v1/app-requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _hub.Intake.GetAsync("/api/v1/connectors")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _hub.Admin.GetAsync("/api/v1/app-requests")).StatusCode);
        Assert.Equal(0, CountRows("app_requests"));
    }

    [Fact]
    public async Task List_filters_by_status_and_pages_with_a_cursor()
    {
        for (var device = 1; device <= 5; device++)
        {
            var body = Valid();
            body["DeviceId"] = device;
            Assert.Equal(HttpStatusCode.Accepted, (await _hub.SubmitAsync(body)).StatusCode);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _hub.Admin.GetFromJsonAsync<JsonObject>($"/api/v1/app-requests?status=Submitted&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page!["items"]!.AsArray().Select(i => i!["requestId"]!.ToString()));
            cursor = page["nextCursor"]?.ToString();
        } while (cursor is not null);

        Assert.Equal(5, seen.Distinct().Count());
        Assert.Equal(5, seen.Count);
        var none = await _hub.Admin.GetFromJsonAsync<JsonObject>("/api/v1/app-requests?status=Installed");
        Assert.Empty(none!["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await _hub.Admin.GetAsync("/api/v1/app-requests?status=Bogus")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _hub.Admin.GetAsync("/api/v1/app-requests?cursor=%%%")).StatusCode);
    }

    private long CountRows(string table)
    {
        using var connection = new SqliteConnection($"Data Source={_hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)cmd.ExecuteScalar()!;
    }
}
