using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.AppApprovals;

/// <summary>The README's tour, as a newcomer would do it: `conduit demo`, paste the printed request, press Approve
/// on the ServiceNow page, see Installed.</summary>
public sealed partial class DemoTests
{
    [Fact]
    public async Task The_demo_prints_what_to_do_and_the_printed_request_reaches_Installed_after_Approve()
    {
        var dir = Directory.CreateTempSubdirectory("conduit-demo-").FullName;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Conduit.dll"));
        info.ArgumentList.Add("demo");
        using var demo = Process.Start(info)!;
        var output = new StringBuilder();
        demo.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        demo.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            string Text() { lock (output) return output.ToString(); }
            await Eventually.TrueAsync(() => Text().Contains("Conduit demo is running") || demo.HasExited, "the demo banner", TimeSpan.FromSeconds(60));
            var banner = Text();
            Assert.False(demo.HasExited, banner);
            Assert.True(File.Exists(Path.Combine(dir, "data", "demo.db")));

            // Step 1 of the banner: the curl line, replayed with HttpClient.
            var curl = CurlLine().Match(banner);
            Assert.True(curl.Success, banner);
            using var http = new HttpClient();
            var request = new HttpRequestMessage(HttpMethod.Post, curl.Groups["url"].Value)
            {
                Content = new StringContent(curl.Groups["body"].Value, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", curl.Groups["key"].Value);
            var submitted = await http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, submitted.StatusCode);
            var id = (await submitted.Content.ReadFromJsonAsync<JsonObject>())!["requestId"]!.ToString();

            // Step 3: the approver page lists the ticket with an Approve button; press it.
            var page = await Eventually.GetAsync(() => http.GetStringAsync("http://127.0.0.1:5082/"), p => ApproveForm().IsMatch(p), null, "a ticket on the approver page");
            var approved = await http.PostAsync("http://127.0.0.1:5082" + ApproveForm().Match(page).Value, null);
            Assert.True((int)approved.StatusCode is 200 or 303, approved.StatusCode.ToString());

            // Step 2: watch it with the admin key.
            var adminKey = AdminKey().Match(banner).Groups["key"].Value;
            using var admin = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:5080") };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            await Eventually.GetAsync(async () => (await admin.GetFromJsonAsync<JsonObject>($"/api/v1/app-requests/{id}"))!,
                r => r["status"]!.ToString() == "Installed", TimeSpan.FromSeconds(60), "the demo request to reach Installed");
        }
        finally
        {
            demo.Kill(entireProcessTree: true);
            await demo.WaitForExitAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [GeneratedRegex("""curl -s -X POST (?<url>\S+) -H "Authorization: Bearer (?<key>[^"]+)" -H "Content-Type: application/json" -d '(?<body>[^']+)'""")]
    private static partial Regex CurlLine();

    [GeneratedRegex(@"Admin key\s+(?<key>\S+)")]
    private static partial Regex AdminKey();

    [GeneratedRegex("/sim/tickets/[0-9a-f]{32}/approve")]
    private static partial Regex ApproveForm();
}
