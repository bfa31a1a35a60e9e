namespace Conduit.Simulators;

/// <summary>One fault to inject into matching simulator calls.</summary>
public sealed class FaultRule
{
    /// <summary>Matched case-insensitively against the request path; "" matches every path.</summary>
    public string PathContains { get; init; } = "";

    /// <summary>HTTP method to match; null matches any.</summary>
    public string? Method { get; init; }

    /// <summary>Answer with this status (and the system's usual error body for it) instead of handling the call.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Adds a Retry-After header (seconds) to the faulted response.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Delay before handling the call (or before answering with the fault).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Abort the connection instead of answering.</summary>
    public bool DropConnection { get; init; }

    /// <summary>Handle the request for real, then drop the connection instead of answering: the caller cannot know
    /// whether its call took effect (the "lost answer" case that makes retries dangerous).</summary>
    public bool DropResponse { get; init; }

    /// <summary>Apply to the next N matching calls, then stop; null means unlimited.</summary>
    public int? Count { get; init; }

    /// <summary>Probability that a matching call is hit (seeded, so runs repeat).</summary>
    public double Fraction { get; init; } = 1.0;
}

/// <summary>Holds the fault rules of one simulator; thread-safe.</summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<ActiveRule> _rules = [];
    private readonly Random _random;
    private int _hits;

    /// <summary>Creates an injector whose <see cref="FaultRule.Fraction"/> draws come from <paramref name="seed"/>.</summary>
    public FaultInjector(int seed = 4711) => _random = new Random(seed);

    /// <summary>How many calls were faulted in total.</summary>
    public int Hits => Volatile.Read(ref _hits);

    /// <summary>Adds a rule; rules are tried in the order they were added.</summary>
    public void Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_gate)
        {
            _rules.Add(new ActiveRule(rule, rule.Count));
        }
    }

    /// <summary>Removes every rule (the hit counter is kept).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Returns the rule that hits this call, consuming one of its counts, or null.</summary>
    internal FaultRule? Match(string method, string path)
    {
        lock (_gate)
        {
            foreach (var active in _rules)
            {
                var rule = active.Rule;
                if (active.Remaining is <= 0)
                {
                    continue;
                }
                if (rule.Method is not null && !string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (rule.PathContains.Length > 0 && !path.Contains(rule.PathContains, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (rule.Fraction < 1.0 && _random.NextDouble() >= rule.Fraction)
                {
                    continue;
                }
                if (active.Remaining is not null)
                {
                    active.Remaining--;
                }
                _hits++;
                return rule;
            }
            return null;
        }
    }

    private sealed class ActiveRule(FaultRule rule, int? remaining)
    {
        public FaultRule Rule { get; } = rule;
        public int? Remaining { get; set; } = remaining;
    }
}
