using Conduit.Storage;
using Microsoft.EntityFrameworkCore;

namespace Conduit.Jobs;

public static class JobDbExtensions
{
    /// <summary>Writes a new job in the current write (<see cref="WriteGate"/>); it commits with the caller's state change.</summary>
    public static Job EnqueueJob(this ConduitDb db, string kind, Guid? requestId, DateTimeOffset runAt, DateTimeOffset now, string? payload = null)
    {
        var job = new Job { Kind = kind, RequestId = requestId, RunAt = runAt, CreatedAt = now, Payload = payload, State = JobState.Pending };
        job.Id = (long)Prepared.Scalar(db,
            "INSERT INTO jobs (Kind, RequestId, Payload, State, RunAt, Attempts, LastError, CreatedAt) VALUES ($0, $1, $2, $3, $4, 0, NULL, $5) RETURNING Id",
            kind, requestId is { } id ? Prepared.Text(id) : null, payload, nameof(JobState.Pending), Prepared.Millis(runAt), Prepared.Millis(now))!;
        return job;
    }

    /// <summary>The note of a job waiting for a connector to be configured.</summary>
    public static string WaitingFor(string connectorKind) =>
        $"waiting for the {connectorKind} connector to be configured (PUT /api/v1/connectors/{connectorKind})";

    /// <summary>Makes the jobs that wait for this connector due now (called when it is saved).</summary>
    public static Task<int> WakeJobsWaitingForAsync(this ConduitDb db, string connectorKind, DateTimeOffset now, CancellationToken ct)
    {
        var note = WaitingFor(connectorKind);
        return db.Jobs.Where(j => j.State == JobState.Pending && j.LastError == note).ExecuteUpdateAsync(s => s.SetProperty(j => j.RunAt, now), ct);
    }

    /// <summary>Deletes the finished job; call inside the transaction that commits the job's effects.</summary>
    public static Task<int> CompleteJobAsync(this ConduitDb db, Job job, CancellationToken ct) =>
        Task.FromResult(Prepared.Execute(db, "DELETE FROM jobs WHERE Id = $0", job.Id));
}

/// <summary>Wakes the dispatcher when this node has just committed new work, so it need not wait for the next poll.</summary>
public sealed class JobSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<long> _urgent = new();

    /// <summary>A committed job someone is waiting for (an install after an approval): it runs before the backlog.</summary>
    public void NotifyUrgent(long jobId)
    {
        _urgent.Enqueue(jobId);
        Notify();
    }

    public List<long> TakeUrgent(int max)
    {
        var ids = new List<long>();
        while (ids.Count < max && _urgent.TryDequeue(out var id)) ids.Add(id);
        return ids;
    }

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); } catch (SemaphoreFullException) { /* already signalled */ }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
