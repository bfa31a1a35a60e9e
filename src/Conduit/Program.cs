using System.CommandLine;
using Conduit.Connectors;
using Conduit.Demo;
using Conduit.Hosting;
using Conduit.Storage;

var root = new RootCommand("Conduit: app approvals between Workspace ONE UEM, ServiceNow and Slack, self-hosted.")
{
    TreatUnmatchedTokensAsErrors = false,
};
var serve = new Command("serve", "Run the hub (the default). Any --key=value is passed to configuration, e.g. --urls http://0.0.0.0:5080.")
{
    TreatUnmatchedTokensAsErrors = false,
};
var migrate = new Command("migrate", "Apply database schema migrations and exit.") { TreatUnmatchedTokensAsErrors = false };
var demo = new Command("demo", "Run the hub with simulated UEM, ServiceNow and Slack on loopback, ready to try.") { TreatUnmatchedTokensAsErrors = false };
var simKind = new Argument<string>("system") { Description = "uem, servicenow or slack." };
simKind.AcceptOnlyFromAmong("uem", "servicenow", "slack");
var sim = new Command("sim", "Run one simulator alone, e.g. conduit sim servicenow --urls http://127.0.0.1:5082.")
{
    simKind,
};
sim.TreatUnmatchedTokensAsErrors = false;
root.Subcommands.Add(serve);
root.Subcommands.Add(migrate);
root.Subcommands.Add(demo);
root.Subcommands.Add(ConnectorsCommand.Create());
root.Subcommands.Add(sim);

root.SetAction(async (parse, ct) =>
{
    // Settings may follow (--urls …, --Conduit:… ); a bare word first is a mistyped verb, not a setting.
    if (parse.UnmatchedTokens.FirstOrDefault() is { } first && !first.StartsWith('-'))
    {
        await Console.Error.WriteLineAsync($"conduit: unknown command '{first}'; commands are serve, demo, migrate, connectors, sim (see conduit --help)");
        return 2;
    }
    return await Run(() => ConduitHost.ServeAsync([.. parse.UnmatchedTokens], ct));
});
serve.SetAction((parse, ct) => Run(() => ConduitHost.ServeAsync([.. parse.UnmatchedTokens], ct)));
migrate.SetAction((parse, ct) => Run(() => ConduitHost.MigrateAsync([.. parse.UnmatchedTokens], ct)));
demo.SetAction((parse, ct) => Run(() => DemoCommand.RunAsync([.. parse.UnmatchedTokens], ct)));
sim.SetAction((parse, ct) => Run(() => Conduit.Simulators.SimCommand.RunAsync(parse.GetValue(simKind)!, [.. parse.UnmatchedTokens], ct)));

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    await Console.Error.WriteLineAsync($"conduit: {parsed.Errors[0].Message} (see conduit --help)");
    return 2;
}
// The host handles SIGINT/SIGTERM itself and shuts down gracefully.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> Run(Func<Task<int>> action)
{
    try
    {
        return await action();
    }
    catch (Exception ex) when (ex is StartupException || ex is AggregateException { InnerException: StartupException })
    {
        await Console.Error.WriteLineAsync($"conduit: {(ex as StartupException ?? (StartupException)ex.InnerException!).Message}");
        return 1;
    }
    catch (Microsoft.Extensions.Options.OptionsValidationException ex)
    {
        await Console.Error.WriteLineAsync($"conduit: invalid settings: {string.Join("; ", ex.Failures)}");
        return 1;
    }
}

/// <summary>Marker for the test host and tools.</summary>
public partial class Program;
