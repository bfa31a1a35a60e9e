using System.ComponentModel.DataAnnotations;

namespace Conduit.Jobs;

/// <summary>Settings under Conduit:Jobs.</summary>
public sealed record JobOptions
{
    /// <summary>How often the dispatcher looks for due work when nothing woke it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Jobs run at the same time on this node.</summary>
    [Range(1, 1024)]
    public int Concurrency { get; init; } = 32;

    /// <summary>First retry delay; each further attempt doubles it (with jitter), up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts before a job is dead-lettered (about 2.5 hours with the defaults).</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; init; } = 20;
}
