namespace Conduit.Bench;
public static class ScaleScenario
{
    public static Task<bool> RunAsync(BenchOptions options, CancellationToken ct) => Task.FromResult(false);
}
