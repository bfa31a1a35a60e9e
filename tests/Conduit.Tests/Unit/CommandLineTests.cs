using Conduit.Tests.Infrastructure;

namespace Conduit.Tests.Unit;

/// <summary>The `conduit` executable: verbs and exit codes (DESIGN §6).</summary>
public sealed class CommandLineTests
{
    private static Task<(int Code, string Out, string Err)> RunAsync(string workDir, params string[] args) =>
        ConduitCli.RunAsync(workDir, null, null, args);

    [Fact]
    public async Task Migrate_creates_the_schema_and_is_idempotent()
    {
        var dir = Directory.CreateTempSubdirectory("conduit-cli-").FullName;
        var first = await RunAsync(dir, "migrate");
        var second = await RunAsync(dir, "migrate");

        Assert.Equal(0, first.Code);
        Assert.Contains("Applied", first.Out);
        Assert.True(File.Exists(Path.Combine(dir, "data", "conduit.db")), "the default database is data/conduit.db under the working directory");
        Assert.Equal(0, second.Code);
        Assert.Contains("up to date", second.Out);
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task An_unknown_verb_is_a_usage_error_with_exit_code_2()
    {
        var result = await RunAsync(Path.GetTempPath(), "bogus-verb");
        Assert.Equal(2, result.Code);
        Assert.Contains("bogus-verb", result.Err);
    }

    [Fact]
    public async Task A_PostgreSQL_connection_string_fails_fast_with_one_line_and_exit_code_1()
    {
        var result = await RunAsync(Path.GetTempPath(), "serve", "--ConnectionStrings:Conduit=Host=localhost;Database=conduit");
        Assert.Equal(1, result.Code);
        Assert.Contains("PostgreSQL", result.Err);
    }
}
