using System.Collections.Concurrent;

namespace Conduit.Connectors;

/// <summary>
/// Slack accepts about one message per second per webhook, with short bursts (reference §7.2). Rather than send
/// and collect 429s, each message reserves the next free send slot of its webhook; a caller whose slot is in the
/// future waits for it (jobs are re-scheduled to that moment), so a burst drains at Slack's pace and nothing is dropped.
/// </summary>
public sealed class SlackPacer(TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(1100); // a little under Slack's 1/s, so clock jitter never trips it
    public const int Burst = 3;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    private sealed class Bucket
    {
        public DateTimeOffset NextFree;
    }

    /// <summary>Reserves the webhook's next send slot if it is at most <paramref name="maxWait"/> away and returns it;
    /// otherwise reserves nothing and returns null, with <paramref name="nextFree"/> saying when to ask again.</summary>
    public DateTimeOffset? TryReserve(Uri webhook, TimeSpan maxWait, out DateTimeOffset nextFree)
    {
        var bucket = _buckets.GetOrAdd(webhook.AbsoluteUri, _ => new Bucket());
        var now = time.GetUtcNow();
        lock (bucket)
        {
            // Up to Burst messages may go at once after a quiet period; then one per Interval.
            var earliest = now - Interval * (Burst - 1);
            if (bucket.NextFree < earliest) bucket.NextFree = earliest;
            nextFree = bucket.NextFree > now ? bucket.NextFree : now;
            if (bucket.NextFree - now > maxWait) return null;
            var slot = nextFree;
            bucket.NextFree += Interval;
            return slot;
        }
    }

    /// <summary>Slack said 429: nothing more goes to this webhook before <paramref name="until"/>.</summary>
    public void Pause(Uri webhook, DateTimeOffset until)
    {
        var bucket = _buckets.GetOrAdd(webhook.AbsoluteUri, _ => new Bucket());
        lock (bucket)
        {
            if (bucket.NextFree < until) bucket.NextFree = until;
        }
    }
}
