namespace Conduit.Bench;
public static class FlowScenario
{
    public static Task<bool> RunAsync(BenchOptions options, CancellationToken ct) => Task.FromResult(false);
}
