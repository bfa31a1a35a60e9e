using Conduit.AppApprovals;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;

namespace Conduit.Tests.Unit;

public sealed class CallbackTokenTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("conduit-token-").FullName;
    private CallbackTokens _tokens = null!;

    public async Task InitializeAsync() => _tokens = await NewTokensAsync();

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
        return Task.CompletedTask;
    }

    private async Task<CallbackTokens> NewTokensAsync()
    {
        var options = new DbContextOptionsBuilder<ConduitDb>();
        StorageSetup.ConfigureSqlite(options, $"Data Source={Path.Combine(_dir, "t.db")}");
        await using var db = new ConduitDb(options.Options);
        await StorageSetup.MigrateAsync(db);
        var tokens = new CallbackTokens();
        await tokens.InitializeAsync(db, CancellationToken.None);
        return tokens;
    }

    [Fact]
    public void A_token_verifies_to_its_own_request_only()
    {
        var id = Guid.NewGuid();
        var token = _tokens.Create(id);

        Assert.Equal(id, _tokens.Verify(token));
        Assert.Null(_tokens.Verify(token.Replace(id.ToString("N"), Guid.NewGuid().ToString("N"))));
        Assert.Null(_tokens.Verify(token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(_tokens.Verify(token + "A"));
        Assert.Null(_tokens.Verify(""));
        Assert.Null(_tokens.Verify("."));
        Assert.Null(_tokens.Verify(new string('x', 5000)));
    }

    [Fact]
    public async Task The_signing_key_is_kept_in_the_database_so_every_node_and_restart_agrees()
    {
        var id = Guid.NewGuid();
        var again = await NewTokensAsync();
        Assert.Equal(_tokens.Create(id), again.Create(id));
        Assert.Equal(id, again.Verify(_tokens.Create(id)));
    }
}
