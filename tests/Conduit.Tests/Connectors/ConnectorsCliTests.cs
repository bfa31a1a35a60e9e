using Conduit.Simulators;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Connectors;

/// <summary>`conduit connectors list|set|test` against a running hub, as an admin's script would use it.</summary>
public sealed class ConnectorsCliTests
{
    private static Task<(int Code, string Out, string Err)> ConduitAsync(string? stdin, params string[] args) =>
        ConduitCli.RunAsync(null, stdin, new Dictionary<string, string?> { ["CONDUIT_ADMIN_KEY"] = TestHub.AdminKey }, args);

    [Fact]
    public async Task Set_from_stdin_then_test_and_list_and_a_failing_test_exits_1()
    {
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        await using var hub = await TestHub.StartAsync();
        var url = hub.BaseUrl.ToString();
        var json = $$"""{"baseUrl":"{{uem.BaseUrl}}API","userName":"{{uem.Options.UserName}}","password":"{{uem.Options.Password}}","tenantCode":"{{uem.Options.TenantCode}}"}""";

        var set = await ConduitAsync(json, "connectors", "set", "uem", "--json", "-", "--hub", url);
        var test = await ConduitAsync(null, "connectors", "test", "uem", "--hub", url);
        var list = await ConduitAsync(null, "connectors", "list", "--hub", url);
        var wrong = await ConduitAsync("""{"baseUrl":"http://127.0.0.1:9","userName":"x","tenantCode":"WRONG-TENANT"}""", "connectors", "set", "uem", "--json", "-", "--hub", url);
        await ConduitAsync($$"""{"baseUrl":"{{uem.BaseUrl}}","userName":"{{uem.Options.UserName}}","tenantCode":"WRONG-TENANT"}""", "connectors", "set", "uem", "--json", "-", "--hub", url);
        var failing = await ConduitAsync(null, "connectors", "test", "uem", "--hub", url);
        var invalid = await ConduitAsync("""{"baseUrl":"ftp://x"}""", "connectors", "set", "uem", "--json", "-", "--hub", url);

        Assert.Equal(0, set.Code);
        Assert.Contains("configured", set.Out);
        Assert.Contains("hint: baseUrl: removed the trailing /API", set.Out);
        Assert.Equal(0, test.Code);
        Assert.Contains("uem: ok", test.Out);
        Assert.Equal(0, list.Code);
        Assert.Contains("uem", list.Out);
        Assert.Contains("password:set", list.Out);
        Assert.DoesNotContain(uem.Options.Password, list.Out);
        Assert.Equal(0, wrong.Code); // saved (the stored password is kept), but the check below fails
        Assert.Equal(1, failing.Code);
        Assert.Contains("Wrong tenant code", failing.Out);
        Assert.Equal(1, invalid.Code);
        Assert.Contains("baseUrl", invalid.Err);
    }

    [Fact]
    public async Task Without_an_admin_key_it_is_a_usage_error()
    {
        var result = await ConduitCli.RunAsync(null, null, new Dictionary<string, string?> { ["CONDUIT_ADMIN_KEY"] = null }, "connectors", "list");
        Assert.Equal(2, result.Code);
        Assert.Contains("CONDUIT_ADMIN_KEY", result.Err);
    }
}
