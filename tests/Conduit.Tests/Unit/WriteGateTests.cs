using Conduit.Security;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;

namespace Conduit.Tests.Unit;

/// <summary>Group commit: writes that wait share a transaction, each in its own savepoint, and complete after the commit.</summary>
public sealed class WriteGateTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("conduit-writegate-").FullName;
    private DbContextOptions<ConduitDb> _options = null!;

    public async Task InitializeAsync()
    {
        var options = new DbContextOptionsBuilder<ConduitDb>();
        StorageSetup.ConfigureSqlite(options, $"Data Source={Path.Combine(_dir, "w.db")}");
        _options = options.Options;
        await using var db = new ConduitDb(_options);
        await StorageSetup.MigrateAsync(db);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
        return Task.CompletedTask;
    }

    private static Func<ConduitDb, CancellationToken, Task> Add(string name) => (db, _) =>
    {
        db.ApiKeys.Add(new ApiKey { Name = name, Hash = "00", CreatedAt = DateTimeOffset.UnixEpoch });
        return Task.CompletedTask;
    };

    private async Task<List<string>> NamesAsync()
    {
        await using var db = new ConduitDb(_options);
        return await db.ApiKeys.AsNoTracking().Select(k => k.Name).OrderBy(n => n).ToListAsync();
    }

    [Fact]
    public async Task Concurrent_writes_all_land_in_fewer_commits_than_writes()
    {
        await using var db = new ConduitDb(_options);
        var before = WriteGate.Committed(db);

        await Task.WhenAll(Enumerable.Range(0, 400).Select(i => db.WriteAsync(Add($"k{i:000}"), CancellationToken.None)));

        var after = WriteGate.Committed(db);
        Assert.Equal(400, (await NamesAsync()).Count);
        Assert.Equal(400, after.Writes - before.Writes);
        Assert.True(after.Groups - before.Groups <= 100, $"400 writes took {after.Groups - before.Groups} commits");
    }

    [Fact]
    public async Task A_failing_write_is_rolled_back_alone_and_the_rest_of_its_group_commits()
    {
        await using var db = new ConduitDb(_options);
        await db.WriteAsync(Add("existing"), CancellationToken.None);

        // Hold the writer so that the next three writes queue up and run as one group.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        var holder = db.WriteAsync(async (_, _) =>
        {
            started.SetResult();
            await release.Task;
        }, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var before = WriteGate.Committed(db);

        var first = db.WriteAsync(Add("a"), CancellationToken.None);
        var failing = db.WriteAsync(async (w, c) =>
        {
            // Deletes a committed row and a row of this same group, then fails: both must survive.
            await w.ApiKeys.Where(k => k.Name == "existing" || k.Name == "a").ExecuteDeleteAsync(c);
            throw new InvalidOperationException("boom");
        }, CancellationToken.None);
        var duplicate = db.WriteAsync(Add("a"), CancellationToken.None); // unique key: fails in the database
        var last = db.WriteAsync(Add("c"), CancellationToken.None);
        release.SetResult();
        await holder;

        await first;
        await last;
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        await Assert.ThrowsAsync<DbUpdateException>(() => duplicate);
        Assert.Equal(["a", "c", "existing"], await NamesAsync());
        var after = WriteGate.Committed(db);
        Assert.Equal(2, after.Groups - before.Groups); // the holder's group, then the four writes together
        Assert.Equal(3, after.Writes - before.Writes); // holder, "a", "c"
    }

    [Fact]
    public async Task A_write_cannot_start_another_write()
    {
        await using var db = new ConduitDb(_options);
        var nested = db.WriteAsync((w, c) => w.WriteAsync(Add("nested"), c), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => nested);
        Assert.DoesNotContain("nested", await NamesAsync());
    }
}
