using Conduit.Jobs;

namespace Conduit.Tests.Unit;

/// <summary>The hand-over of just-committed jobs to the dispatcher: reserved in the write, pushed after the commit.</summary>
public sealed class JobSignalTests
{
    private static Job NewJob(long id) => new() { Id = id, Kind = JobKinds.CreateTicket, RunAt = DateTimeOffset.UnixEpoch };

    [Fact]
    public void A_pushed_job_stays_reserved_until_the_dispatcher_is_done_with_it()
    {
        var signal = new JobSignal();
        var job = NewJob(7);
        using (var push = signal.AfterCommit())
        {
            push.Add(job);
            Assert.True(signal.IsReserved(7)); // from inside the write on: the table poll must not claim it
            Assert.False(signal.TryTake(out _)); // not runnable before the commit
            push.Send();
        }

        Assert.True(signal.IsReserved(7)); // sent, not yet finished: still not the poll's
        Assert.True(signal.TryTake(out var taken));
        Assert.Same(job, taken);
        Assert.True(signal.IsReserved(7));
        signal.Done(7);
        Assert.False(signal.IsReserved(7));
        Assert.Equal(0, signal.ReservedCount);
    }

    [Fact]
    public void Jobs_of_a_write_that_failed_are_forgotten_and_never_run_from_memory()
    {
        var signal = new JobSignal();
        try
        {
            using var push = signal.AfterCommit();
            push.Add(NewJob(1));
            push.Add(NewJob(2));
            throw new InvalidOperationException("the write failed");
        }
        catch (InvalidOperationException)
        {
        }

        Assert.False(signal.IsReserved(1));
        Assert.False(signal.IsReserved(2));
        Assert.False(signal.TryTake(out _));
    }

    [Fact]
    public void Notify_asks_for_one_look_at_the_table_and_a_push_does_not()
    {
        var signal = new JobSignal();
        Assert.True(signal.TakePollRequest()); // the first look, at start
        Assert.False(signal.TakePollRequest());

        using (var push = signal.AfterCommit())
        {
            push.Add(NewJob(3));
            push.Send();
        }
        Assert.False(signal.TakePollRequest());

        signal.Notify();
        signal.Notify();
        Assert.True(signal.TakePollRequest());
        Assert.False(signal.TakePollRequest());
    }
}
