using System.Net;
using System.Text.RegularExpressions;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.AppApprovals;

/// <summary>DESIGN §6: keys not configured are generated on first start, printed once, stored hashed; intake ≠ admin.</summary>
public sealed partial class ApiKeyBootstrapTests
{
    [Fact]
    public async Task Keys_are_generated_printed_once_stored_hashed_and_keep_working_after_a_restart()
    {
        var dir = Directory.CreateTempSubdirectory("conduit-keys-").FullName;
        var port = HubProcess.FreePort();
        var noKeys = new Dictionary<string, string?> { ["Conduit:AdminApiKey"] = null, ["Conduit:IntakeApiKey"] = null };

        string admin, intake;
        await using (var first = await HubProcess.StartAsync(port, dir, noKeys))
        {
            await Eventually.TrueAsync(() => first.Output.Contains("Generated the intake"), "the generated keys on the console");
            admin = Find(first.Output, "admin");
            intake = Find(first.Output, "intake");
            using var adminClient = first.Client(admin);
            using var intakeClient = first.Client(intake);
            Assert.Equal(HttpStatusCode.OK, (await adminClient.GetAsync("/api/v1/connectors")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await intakeClient.GetAsync("/api/v1/connectors")).StatusCode);
        }

        var db = await File.ReadAllBytesAsync(Path.Combine(dir, "conduit.db"));
        Assert.Equal(-1, db.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(admin)));

        await using var second = await HubProcess.StartAsync(port, dir, noKeys);
        Assert.DoesNotContain("Generated the", second.Output);
        using var again = second.Client(admin);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/v1/connectors")).StatusCode);
        Directory.Delete(dir, true);
    }

    private static string Find(string output, string kind) =>
        KeyLine().Matches(output).Single(m => m.Groups["kind"].Value == kind).Groups["key"].Value;

    [GeneratedRegex(@"Generated the (?<kind>admin|intake) API key \(shown only now; it is stored hashed\): (?<key>\S+)")]
    private static partial Regex KeyLine();
}
