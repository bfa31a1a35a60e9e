namespace Conduit.Jobs;

/// <summary>What a job handler tells the dispatcher. <see cref="Completed"/> means the handler already
/// committed its effects together with the removal of the job (see <see cref="JobDbExtensions.CompleteJobAsync"/>).</summary>
public abstract record JobResult
{
    public static readonly JobResult Completed = new CompletedResult();

    /// <summary>A transient failure: try again later (exponential backoff, or <paramref name="RetryAfter"/> if the other side said so).</summary>
    public static JobResult Retry(string reason, TimeSpan? retryAfter = null) => new RetryResult(reason, retryAfter);

    /// <summary>A permanent failure: the job dies with this reason and the handler records the consequence.</summary>
    public static JobResult Fail(string reason) => new FailResult(reason);

    /// <summary>Not finished, nothing failed: look again at <paramref name="At"/> (polling).</summary>
    public static JobResult RunAgainAt(DateTimeOffset at, string? note = null) => new RunAgainResult(at, note);

    public sealed record CompletedResult : JobResult;
    public sealed record RetryResult(string Reason, TimeSpan? RetryAfter) : JobResult;
    public sealed record FailResult(string Reason) : JobResult;
    public sealed record RunAgainResult(DateTimeOffset At, string? Note) : JobResult;
}

/// <summary>Runs one kind of job. Handlers are singletons; each run gets its own scope.</summary>
public interface IJobHandler
{
    string Kind { get; }

    /// <summary>A short name of the system the job calls, for the timeline ("ServiceNow", "UEM", "Slack").</summary>
    string Target { get; }

    /// <summary>The connector the job calls (ConnectorKinds), or null. While it is not configured the dispatcher parks
    /// these jobs in bulk instead of running them one by one.</summary>
    string? Connector => null;

    Task<JobResult> RunAsync(Job job, IServiceProvider scope, CancellationToken ct);

    /// <summary>Stages, in the dispatcher's transaction, what a dead job means for its request (usually → Error).</summary>
    Task OnDeadAsync(Storage.ConduitDb db, Job job, string reason, CancellationToken ct);
}
