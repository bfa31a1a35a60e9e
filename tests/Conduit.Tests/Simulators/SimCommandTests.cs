using Conduit.Simulators;

namespace Conduit.Tests.Simulators;

/// <summary>`conduit sim …` starts one simulator and stops when its token is cancelled.</summary>
public sealed class SimCommandTests
{
    [Theory]
    [InlineData("uem")]
    [InlineData("servicenow")]
    [InlineData("slack")]
    public async Task Sim_runs_until_cancelled_and_exits_0(string kind)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var exit = await SimCommand.RunAsync(kind, ["--urls", "http://127.0.0.1:0", "--devices", "10"], cts.Token);

        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Sim_rejects_an_unknown_kind_with_exit_2()
    {
        Assert.Equal(2, await SimCommand.RunAsync("jira", [], CancellationToken.None));
    }
}
