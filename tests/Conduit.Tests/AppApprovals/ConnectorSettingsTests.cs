using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.AppApprovals;

public sealed class ConnectorSettingsTests : IAsyncLifetime
{
    private TestHub _hub = null!;

    public async Task InitializeAsync() => _hub = await TestHub.StartAsync();

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Secrets_are_write_only_and_never_returned()
    {
        var put = await _hub.Admin.PutAsJsonAsync("/api/v1/connectors/uem", new
        {
            baseUrl = "http://127.0.0.1:9/API/", userName = "api-user", password = "S3cret-Passw0rd!", tenantCode = "TENANT-SECRET-42",
        });
        var putSlack = await _hub.Admin.PutAsJsonAsync("/api/v1/connectors/slack", new
        {
            webhookUrl = "http://127.0.0.1:9/services/T000/B000/XXXXSECRETPATHXXXX", defaultChannel = "#approvals",
        });
        var list = await _hub.Admin.GetStringAsync("/api/v1/connectors");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, putSlack.StatusCode);
        foreach (var body in new[] { list, await put.Content.ReadAsStringAsync(), await putSlack.Content.ReadAsStringAsync() })
        {
            Assert.DoesNotContain("S3cret-Passw0rd!", body);
            Assert.DoesNotContain("TENANT-SECRET-42", body);
            Assert.DoesNotContain("XXXXSECRETPATHXXXX", body);
        }
        var uem = JsonNode.Parse(list)!.AsArray().Single(c => c!["kind"]!.ToString() == "uem")!;
        Assert.True(uem["configured"]!.GetValue<bool>());
        Assert.True(uem["secrets"]!["password"]!.GetValue<bool>());
        Assert.Equal("http://127.0.0.1:9", uem["settings"]!["baseUrl"]!.ToString()); // "/API" normalised away
    }

    [Fact]
    public async Task Leaving_a_secret_out_keeps_the_stored_one()
    {
        await _hub.Admin.PutAsJsonAsync("/api/v1/connectors/servicenow", new
        {
            baseUrl = "http://127.0.0.1:9", userName = "integration", password = "first-password", apiNamespace = "x_acme",
        });
        var update = await _hub.Admin.PutAsJsonAsync("/api/v1/connectors/servicenow", new { baseUrl = "http://127.0.0.1:9", userName = "integration2", apiNamespace = "x_acme" });

        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var view = await update.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(view!["secrets"]!["password"]!.GetValue<bool>());
        Assert.Equal("integration2", view["settings"]!["userName"]!.ToString());
    }

    [Theory]
    [InlineData("uem", """{"baseUrl":"ftp://x","userName":"u","password":"p","tenantCode":"t"}""", "baseUrl")]
    [InlineData("uem", """{"baseUrl":"http://uem.example.com","userName":"u","password":"p","tenantCode":"t"}""", "baseUrl")]
    [InlineData("uem", """{"baseUrl":"https://user:pw@uem.example.com","userName":"u","password":"p","tenantCode":"t"}""", "baseUrl")]
    [InlineData("uem", """{"baseUrl":"https://169.254.169.254","userName":"u","password":"p","tenantCode":"t"}""", "baseUrl")]
    [InlineData("uem", """{"baseUrl":"https://uem.example.com","userName":"u","password":"p"}""", "tenantCode")]
    [InlineData("servicenow", """{"baseUrl":"https://acme.service-now.com","userName":"u","password":"p","apiNamespace":"x/acme"}""", "apiNamespace")]
    [InlineData("slack", """{"webhookUrl":"https://hooks.slack.com/other/path"}""", "webhookUrl")]
    public async Task Invalid_settings_are_named_in_a_400_problem(string kind, string body, string field)
    {
        var response = await _hub.Admin.PutAsync($"/api/v1/connectors/{kind}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
        var list = await _hub.Admin.GetFromJsonAsync<JsonArray>("/api/v1/connectors");
        Assert.All(list!, c => Assert.False(c!["configured"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task Unknown_connector_kind_is_404()
    {
        var response = await _hub.Admin.PutAsJsonAsync("/api/v1/connectors/jira", new { });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
