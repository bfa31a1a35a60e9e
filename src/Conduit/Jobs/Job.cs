namespace Conduit.Jobs;

public enum JobState { Pending, Dead }

/// <summary>A unit of durable outbound work, written in the same transaction as the change that causes it.
/// A job row is deleted when its work is done; a dead job stays, with its last error, for an operator.</summary>
public sealed class Job
{
    public long Id { get; set; }
    public string Kind { get; set; } = "";
    public Guid? RequestId { get; set; }
    public string? Payload { get; set; }
    public JobState State { get; set; }
    public DateTimeOffset RunAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public static class JobKinds
{
    public const string CreateTicket = "servicenow.create-ticket";
    public const string InstallApp = "uem.install-app";
    public const string PollInstall = "uem.poll-install";
    public const string NotifySlack = "slack.notify";
}
