using System.Text.Json.Nodes;
using Conduit.Connectors;
using Conduit.Jobs;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;

namespace Conduit.AppApprovals;

/// <summary>Posts one Slack message per transition (text for notifications, Block Kit for the channel).
/// A failed message never changes the request; a permanent Slack error dead-letters only the message.</summary>
public sealed class NotifySlackJob(SlackClient slack, ConnectorStore connectors, SlackPacer pacer, TimeProvider time) : IJobHandler
{
    public string Kind => JobKinds.NotifySlack;
    public string Target => "Slack";

    public async Task<JobResult> RunAsync(Job job, IServiceProvider scope, CancellationToken ct)
    {
        var db = scope.GetRequiredService<ConduitDb>();
        var request = await db.AppRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == job.RequestId, ct);
        var settings = await connectors.GetSlackAsync(db, ct);
        string? posted = null;
        if (request is not null && settings is not null && Enum.TryParse<AppRequestStatus>(job.Payload, out var status))
        {
            // Slack takes about one message a second per webhook: a burst waits for its slots instead of collecting 429s.
            if (pacer.TryReserve(settings.WebhookUrl, TimeSpan.FromSeconds(1), out var nextFree) is not { } slot)
            {
                return JobResult.RunAgainAt(nextFree + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250)), "waiting for Slack's pace (about 1 message/s)");
            }
            var wait = slot - time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);

            var (text, blocks) = Compose(request, status);
            var result = await slack.PostMessageAsync(settings, text, blocks, null, ct);
            if (!result.Success) return result.Retryable ? JobResult.Retry(result.FailureReason!, result.RetryAfter) : JobResult.Fail(result.FailureReason!);
            posted = $"message for {status} posted ({result.StatusCode}, {result.Elapsed.TotalMilliseconds:0} ms)";
        }
        var at = time.GetUtcNow();
        await db.WriteAsync((db, c) =>
        {
            if (posted is not null) db.AddTimeline(request!.Id, at, null, null, Target, posted);
            return db.CompleteJobAsync(job, c);
        }, ct);
        return JobResult.Completed;
    }

    public Task OnDeadAsync(ConduitDb db, Job job, string reason, CancellationToken ct)
    {
        if (job.RequestId is { } id) db.AddTimeline(id, time.GetUtcNow(), null, null, Target, $"message not delivered: {reason}");
        return Task.CompletedTask;
    }

    internal static (string Text, JsonArray Blocks) Compose(AppRequest r, AppRequestStatus status)
    {
        var who = string.IsNullOrWhiteSpace(r.FirstName) ? r.UserName : $"{r.FirstName} {r.LastName}".Trim();
        var headline = status switch
        {
            AppRequestStatus.Submitted => $"{who} requested {r.AppName}",
            AppRequestStatus.PendingApproval => $"{r.AppName} for {who} is waiting for approval",
            AppRequestStatus.Approved => $"{r.AppName} for {who} was approved",
            AppRequestStatus.InstallCommandDispatched => $"{r.AppName} is being installed for {who}",
            AppRequestStatus.Installed => $"{r.AppName} is installed for {who}",
            AppRequestStatus.Rejected => $"{r.AppName} for {who} was rejected",
            AppRequestStatus.Expired => $"{r.AppName} for {who} expired without a decision",
            _ => $"{r.AppName} for {who} failed",
        };
        var text = $"{headline} ({status.UemStatus()}) on {r.DeviceName ?? "device " + r.DeviceId}";
        var fields = new JsonArray
        {
            Field("Status", status.UemStatus()),
            Field("User", $"{who} ({r.UserName})"),
            Field("Device", $"{r.DeviceName ?? "—"} (id {r.DeviceId})"),
            Field("App", $"{r.AppName}{(r.AppVersion is null ? "" : " " + r.AppVersion)}"),
        };
        if (r.TicketNumber is not null) fields.Add(Field("ServiceNow ticket", r.TicketNumber));
        if (status == AppRequestStatus.Error && r.ErrorReason is not null) fields.Add(Field("Reason", Truncate(r.ErrorReason, 1900)));
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Truncate(headline, 150) } },
            new JsonObject { ["type"] = "section", ["fields"] = fields },
            new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray { new JsonObject { ["type"] = "mrkdwn", ["text"] = $"Request `{r.Id}`" } },
            },
        };
        return (text, blocks);
    }

    private static JsonObject Field(string label, string value) => new() { ["type"] = "mrkdwn", ["text"] = $"*{label}*\n{value}" };

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
