using System.Collections.Concurrent;

namespace Conduit.Connectors;

/// <summary>What this node has seen of each connector: last success, last failure and why, failures in a row,
/// and for UEM the API quota headroom from its X-RateLimit-* headers. Kept in memory, per node.</summary>
public sealed class ConnectorHealth(TimeProvider time)
{
    public sealed record Snapshot(
        DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastFailure, int ConsecutiveFailures,
        long? RateLimitLimit, long? RateLimitRemaining, DateTimeOffset? RateLimitReset);

    private readonly ConcurrentDictionary<string, Snapshot> _byKind = new();

    public Snapshot Get(string kind) => _byKind.GetValueOrDefault(kind) ?? new Snapshot(null, null, null, 0, null, null, null);

    public void Record<T>(string kind, OutboundResult<T> result)
    {
        var now = time.GetUtcNow();
        // A 404 or 400 is an answer from a healthy system; unreachable, 5xx, 429 and refused credentials are not.
        var healthy = result.Success || result.StatusCode is >= 400 and < 500 and not (401 or 403 or 407 or 408 or 429);
        _byKind.AddOrUpdate(kind,
            _ => Next(new Snapshot(null, null, null, 0, null, null, null)),
            (_, old) => Next(old));

        Snapshot Next(Snapshot old) => healthy
            ? old with { LastSuccessAt = now, ConsecutiveFailures = 0 }
            : old with { LastFailureAt = now, LastFailure = result.FailureReason, ConsecutiveFailures = old.ConsecutiveFailures + 1 };
    }

    /// <summary>Reads X-RateLimit-Limit / -Remaining / -Reset (epoch seconds) when the answer carries them.</summary>
    public void ObserveRateLimit(string kind, HttpResponseMessage response)
    {
        long? limit = TryHeader(response, "X-RateLimit-Limit", out var l) ? l : null;
        long? remaining = TryHeader(response, "X-RateLimit-Remaining", out var left) ? left : null;
        if (limit is null && remaining is null) return;
        DateTimeOffset? reset = TryHeader(response, "X-RateLimit-Reset", out var r) ? DateTimeOffset.FromUnixTimeSeconds(r) : null;
        _byKind.AddOrUpdate(kind,
            _ => new Snapshot(null, null, null, 0, limit, remaining, reset),
            (_, old) => old with { RateLimitLimit = limit, RateLimitRemaining = remaining, RateLimitReset = reset });
    }

    private static bool TryHeader(HttpResponseMessage response, string name, out long value)
    {
        value = 0;
        return response.Headers.TryGetValues(name, out var values) && long.TryParse(values.FirstOrDefault(), out value);
    }
}
