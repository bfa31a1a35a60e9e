using System.Globalization;
using Conduit.Bench;

// conduit-bench: load driver for the hub. See docs/benchmarks.md.
//   dotnet run -c Release --project bench/Conduit.Bench -- <intake|flow|scale|uem|micro|all> [--duration s] [--concurrency n]
//       [--rate r] [--warmup s] [--sweep] [--smoke] [--db sqlite|postgres] [--rows n] [--due n] [--keep] [--set Key=Value]... [--hub-env NAME=VALUE]... [--hub published|build]
// Exit codes: 0 every scenario passed its checks, 1 a scenario failed (or the hub did not start), 2 usage error.

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"conduit-bench: {ex.Message}");
    Console.Error.WriteLine("usage: conduit-bench <intake|flow|scale|uem|micro|all> [--duration s] [--concurrency n] [--rate r] [--warmup s] [--sweep] [--smoke] [--db sqlite] [--rows n] [--due n] [--keep] [--set Key=Value] [--hub-env NAME=VALUE] [--hub published|build]");
    return 2;
}

if (options.Db != "sqlite")
{
    Console.Error.WriteLine(options.Db == "postgres"
        ? "conduit-bench: PostgreSQL provider not available yet"
        : $"conduit-bench: unknown --db '{options.Db}' (sqlite or postgres)");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Let the scenario unwind through its finally blocks (which kill the hub) instead of dying here.
    e.Cancel = true;
    cancel.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => HubProcess.KillAll();

Func<BenchOptions, CancellationToken, Task<bool>>[] scenarios = options.Scenario switch
{
    "intake" => [IntakeScenario.RunAsync],
    "flow" => [FlowScenario.RunAsync],
    "scale" => [ScaleScenario.RunAsync],
    "uem" => [UemDatasetScenario.RunAsync],
    "micro" => [MicroScenario.RunAsync],
    _ => [IntakeScenario.RunAsync, FlowScenario.RunAsync, ScaleScenario.RunAsync, UemDatasetScenario.RunAsync, MicroScenario.RunAsync],
};

if (options.Scenario is not ("uem" or "micro") && !await HubBinary.PrepareAsync(options.Hub, cancel.Token)) return 1;

var failed = 0;
var total = System.Diagnostics.Stopwatch.StartNew();
foreach (var scenario in scenarios)
{
    try
    {
        if (!await scenario(options, cancel.Token)) failed++;
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        Console.Error.WriteLine("\nconduit-bench: cancelled");
        return 1;
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"\nconduit-bench: {options.Scenario} failed: {ex.GetType().Name}: {ex.Message}");
        failed++;
    }
    finally
    {
        HubProcess.KillAll();
    }
}

if (scenarios.Length > 1)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"all: {scenarios.Length - failed} of {scenarios.Length} scenarios passed in {total.Elapsed.TotalSeconds:0} s"));
}
return failed == 0 ? 0 : 1;

namespace Conduit.Bench
{
    public sealed record BenchOptions
    {
        public string Scenario { get; init; } = "";
        public double? DurationSeconds { get; init; }
        public int? Concurrency { get; init; }
        public double? Rate { get; init; }
        public bool Sweep { get; init; }
        public bool Smoke { get; init; }
        public string Db { get; init; } = "sqlite";
        public int? Rows { get; init; }
        public int? Due { get; init; }
        public bool Keep { get; init; }
        public double? WarmUpSeconds { get; init; }

        /// <summary>"published" (default: the hub as docs/operations.md deploys it, ReadyToRun) or "build" (the plain build output).</summary>
        public string Hub { get; init; } = "published";

        /// <summary>Extra hub settings (--set Key=Value, repeatable), applied after the scenario's own.</summary>
        public IReadOnlyDictionary<string, string> HubSettings { get; init; } = new Dictionary<string, string>();

        /// <summary>Environment variables for the hub process (--hub-env NAME=VALUE, repeatable), e.g. DOTNET_ThreadPool_ForceMinWorkerThreads=64.</summary>
        public IReadOnlyDictionary<string, string> HubEnvironment { get; init; } = new Dictionary<string, string>();

        /// <summary>The scenario's hub settings with the --set overrides on top.</summary>
        public Dictionary<string, string> Settings(Dictionary<string, string> scenario)
        {
            foreach (var (k, v) in HubSettings) scenario[k] = v;
            HubProcess.Environment = HubEnvironment;
            return scenario;
        }

        public TimeSpan Duration(double normal, double smoke) => TimeSpan.FromSeconds(DurationSeconds ?? (Smoke ? smoke : normal));

        public static BenchOptions Parse(string[] args)
        {
            if (args.Length == 0) throw new UsageException("a scenario is required");
            var scenario = args[0].ToLowerInvariant();
            if (scenario is not ("intake" or "flow" or "scale" or "uem" or "micro" or "all")) throw new UsageException($"unknown scenario '{args[0]}'");
            var o = new BenchOptions { Scenario = scenario };
            for (var i = 1; i < args.Length; i++)
            {
                var (name, inline) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], null);
                string Value() => inline ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"{name} needs a value"));
                o = name switch
                {
                    "--duration" => o with { DurationSeconds = Positive(Value(), name) },
                    "--concurrency" => o with { Concurrency = (int)Positive(Value(), name) },
                    "--rate" => o with { Rate = Positive(Value(), name) },
                    "--warmup" => o with { WarmUpSeconds = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture) is var w and >= 0 ? w : throw new UsageException("--warmup must be 0 or more seconds") },
                    "--rows" => o with { Rows = (int)Positive(Value(), name) },
                    "--due" => o with { Due = (int)Positive(Value(), name) },
                    "--db" => o with { Db = Value().ToLowerInvariant() },
                    "--hub" => Value().ToLowerInvariant() is var hub && hub is "published" or "build"
                        ? o with { Hub = hub }
                        : throw new UsageException("--hub must be published or build"),
                    "--sweep" => o with { Sweep = true },
                    "--smoke" => o with { Smoke = true },
                    "--keep" => o with { Keep = true },
                    "--set" => Value() is var kv && kv.Split('=', 2) is [var key, var value] && key.Length > 0
                        ? o with { HubSettings = new Dictionary<string, string>(o.HubSettings) { [key] = value } }
                        : throw new UsageException("--set needs Key=Value, e.g. --set Conduit:Jobs:Concurrency=8"),
                    "--hub-env" => Value() is var ev && ev.Split('=', 2) is [var envName, var envValue] && envName.Length > 0
                        ? o with { HubEnvironment = new Dictionary<string, string>(o.HubEnvironment) { [envName] = envValue } }
                        : throw new UsageException("--hub-env needs NAME=VALUE"),
                    _ => throw new UsageException($"unknown option '{name}'"),
                };
            }
            return o;
        }

        private static double Positive(string s, string name) =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new UsageException($"{name} must be a positive number, got '{s}'");
    }

    public sealed class UsageException(string message) : Exception(message);
}
