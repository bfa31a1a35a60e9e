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

/// <summary>
/// Hands work to this node's dispatcher. <see cref="Notify"/>: "look in the jobs table now" (new rows of any kind).
/// <see cref="AfterCommit"/>: a job this node just created and that is due now goes to the dispatcher
/// directly, without a query: reserved inside the write that creates it (so the table poll never claims it: it runs
/// exactly once, from here), pushed once that write has committed, forgotten if it did not. After a crash nothing is
/// reserved any more and the table poll finds the row.
/// </summary>
public sealed class JobSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<Job> _ready = new();
    private readonly HashSet<long> _reserved = [];
    private readonly Lock _gate = new();
    private int _pollRequested = 1; // look once at start

    /// <summary>Inside the write that inserted <paramref name="job"/> (through <see cref="PushAfterCommit.Add"/>).</summary>
    private void Reserve(Job job)
    {
        lock (_gate) _reserved.Add(job.Id);
    }

    /// <summary>Once the write that inserted <paramref name="job"/> has committed: it runs before the table's backlog.</summary>
    private void Push(Job job)
    {
        _ready.Enqueue(job);
        Wake();
    }

    /// <summary>When the write that reserved <paramref name="job"/> failed.</summary>
    private void Forget(Job job)
    {
        lock (_gate) _reserved.Remove(job.Id);
    }

    internal bool IsReserved(long id)
    {
        lock (_gate) return _reserved.Contains(id);
    }

    internal int ReservedCount
    {
        get { lock (_gate) return _reserved.Count; }
    }

    /// <summary>Collects the jobs a write creates: <c>using var push = signal.AfterCommit();</c>, <c>push.Add(db.EnqueueJob(…))</c>
    /// inside the write, <c>push.Send()</c> after it; a write that threw leaves them to be forgotten on Dispose.</summary>
    public PushAfterCommit AfterCommit() => new(this);

    public sealed class PushAfterCommit(JobSignal signal) : IDisposable
    {
        private readonly List<Job> _jobs = [];

        public Job Add(Job job)
        {
            signal.Reserve(job);
            _jobs.Add(job);
            return job;
        }

        public void Send()
        {
            foreach (var job in _jobs) signal.Push(job);
            _jobs.Clear();
        }

        public void Dispose()
        {
            foreach (var job in _jobs) signal.Forget(job);
            _jobs.Clear();
        }
    }

    /// <summary>The next pushed job; it stays reserved until <see cref="Done"/>.</summary>
    internal bool TryTake(out Job job) => _ready.TryDequeue(out job!);

    internal void Done(long id)
    {
        lock (_gate) _reserved.Remove(id);
    }

    /// <summary>New or changed rows in the jobs table: the dispatcher looks now rather than at its next poll.</summary>
    public void Notify()
    {
        Interlocked.Exchange(ref _pollRequested, 1);
        Wake();
    }

    internal bool TakePollRequest() => Interlocked.Exchange(ref _pollRequested, 0) == 1;

    private void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); } catch (SemaphoreFullException) { /* already signalled */ }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
