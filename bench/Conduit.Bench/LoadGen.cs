using System.Diagnostics;
using System.Net.Http.Headers;

namespace Conduit.Bench;

public static class Http
{
    /// <summary>One pooled client per target: SocketsHttpHandler with as many connections as workers.</summary>
    public static HttpClient Client(Uri baseUrl, int connections, string? bearer)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }
}

/// <summary>Latency samples in milliseconds; percentiles are exact (nearest rank over the sorted samples).</summary>
public sealed class Samples
{
    private readonly List<double> _values = [];
    private readonly Lock _gate = new();

    public void Add(double ms)
    {
        lock (_gate) _values.Add(ms);
    }

    public int Count
    {
        get { lock (_gate) return _values.Count; }
    }

    public double[] Sorted()
    {
        double[] copy;
        lock (_gate) copy = [.. _values];
        Array.Sort(copy);
        return copy;
    }

    public double Percentile(double p) => Percentile(Sorted(), p);

    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Ms(long fromTimestamp, long toTimestamp) => Stopwatch.GetElapsedTime(fromTimestamp, toTimestamp).TotalMilliseconds;
}

/// <summary>What a load run did: successes, failures, latencies of the successes, wall time.</summary>
public sealed class LoadResult
{
    private long _ok;
    private long _failed;
    public Samples Latencies { get; } = new();
    public long Ok => Interlocked.Read(ref _ok);
    public long Failed => Interlocked.Read(ref _failed);
    public TimeSpan Elapsed { get; set; }
    public string? FirstFailure { get; private set; }
    public string? Note { get; set; }
    public double Throughput => Elapsed.TotalSeconds > 0 ? Ok / Elapsed.TotalSeconds : 0;

    public void Record(bool ok, double ms, string? failure = null)
    {
        if (ok)
        {
            Interlocked.Increment(ref _ok);
            Latencies.Add(ms);
        }
        else
        {
            Interlocked.Increment(ref _failed);
            if (failure is not null && FirstFailure is null) FirstFailure = failure;
        }
    }
}

/// <summary>One request of a load run: the sequence number i, and whether it succeeded (with a reason when not).</summary>
public delegate Task<(bool Ok, string? Failure)> Operation(long i, CancellationToken ct);

public static class LoadGen
{
    /// <summary>Closed loop: <paramref name="concurrency"/> workers, each sending its next request as soon as the last answered.</summary>
    public static async Task<LoadResult> FixedConcurrencyAsync(int concurrency, TimeSpan duration, Operation op, string label, CancellationToken ct)
    {
        var result = new LoadResult();
        long next = 0;
        var clock = Stopwatch.StartNew();
        using var progress = Progress.Start(() =>
            $"{label}: {clock.Elapsed.TotalSeconds,5:0}/{duration.TotalSeconds:0} s  {result.Ok,8} ok  {result.Failed,5} failed  {result.Ok / Math.Max(clock.Elapsed.TotalSeconds, 0.001),8:0} req/s");
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration && !ct.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                var start = Stopwatch.GetTimestamp();
                var (ok, failure) = await Guarded(op, i, ct);
                result.Record(ok, Samples.Ms(start, Stopwatch.GetTimestamp()), failure);
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        result.Elapsed = clock.Elapsed;
        ct.ThrowIfCancellationRequested();
        return result;
    }

    /// <summary>
    /// Open loop: request k is due at start + k/rate whether or not earlier ones answered, so a slow server
    /// does not slow the offered load down (no coordinated omission); latency counts from the due time.
    /// </summary>
    public static async Task<LoadResult> FixedRateAsync(double rate, TimeSpan duration, Operation op, string label, Func<string>? extra,
        CancellationToken ct)
    {
        var result = new LoadResult();
        var total = (long)Math.Round(rate * duration.TotalSeconds);
        long sent = 0;
        var inFlight = new List<Task>((int)Math.Min(total, 1_000_000));
        var clock = Stopwatch.StartNew();
        var origin = Stopwatch.GetTimestamp();
        using var progress = Progress.Start(() =>
            $"{label}: {clock.Elapsed.TotalSeconds,5:0} s  offered {Interlocked.Read(ref sent),7}  accepted {result.Ok,7}  failed {result.Failed,4}{extra?.Invoke()}");
        while (sent < total && !ct.IsCancellationRequested)
        {
            var dueNow = Math.Min(total, (long)(clock.Elapsed.TotalSeconds * rate) + 1);
            for (; sent < dueNow; sent++)
            {
                var i = sent + 1;
                var dueAt = origin + (long)((i - 1) / rate * Stopwatch.Frequency);
                inFlight.Add(Task.Run(async () =>
                {
                    var (ok, failure) = await Guarded(op, i, ct);
                    result.Record(ok, Samples.Ms(dueAt, Stopwatch.GetTimestamp()), failure);
                }, ct));
            }
            await Task.Delay(1, ct);
        }
        await Task.WhenAll(inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        result.Elapsed = clock.Elapsed;
        ct.ThrowIfCancellationRequested();
        return result;
    }

    private static async Task<(bool, string?)> Guarded(Operation op, long i, CancellationToken ct)
    {
        try
        {
            return await op(i, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (false, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}

/// <summary>A status line rewritten in place (\r) once per second while a phase runs.</summary>
public sealed class Progress : IDisposable
{
    private readonly Timer _timer;
    private readonly Func<string> _line;
    private readonly Lock _gate = new();
    private bool _done;
    private int _width;

    private Progress(Func<string> line)
    {
        _line = line;
        _timer = new Timer(_ => Write(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public static Progress Start(Func<string> line) => new(line);

    private void Write()
    {
        lock (_gate)
        {
            if (_done) return;
            string text;
            try
            {
                text = _line();
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException)
            {
                return;
            }
            Console.Write("\r" + text.PadRight(_width));
            _width = Math.Max(_width, text.Length);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            Write();
            _done = true;
            if (_width > 0) Console.WriteLine();
        }
    }
}
