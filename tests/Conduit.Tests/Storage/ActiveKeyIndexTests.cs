using System.Text.RegularExpressions;
using Conduit.AppApprovals;
using Conduit.Storage;
using Conduit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Conduit.Tests.Storage;

/// <summary>The one-active-request guard is a unique index holding only active requests (finished ones have no key),
/// and the intake's duplicate lookup still runs on it rather than scanning the table.</summary>
public sealed partial class ActiveKeyIndexTests
{
    [Fact]
    public async Task The_active_key_index_holds_only_active_requests_and_serves_the_duplicate_lookup()
    {
        await using var hub = await TestHub.StartAsync();
        await using var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();

        command.CommandText = "SELECT \"unique\", partial FROM pragma_index_list('app_requests') WHERE name = 'IX_app_requests_ActiveKey'";
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync(), "IX_app_requests_ActiveKey exists");
            Assert.Equal(1L, reader.GetInt64(0));
            Assert.Equal(1L, reader.GetInt64(1));
        }

        // The lookup as intake writes it (AppRequestsApi.ActiveFor), as SQL, planned by SQLite against the migrated schema.
        await using var db = new ConduitDb(new DbContextOptionsBuilder<ConduitDb>().UseSqlite($"Data Source={hub.DatabasePath}").Options);
        var key = AppRequest.ActiveKeyFor("jdoe", 42, "101");
        var sql = db.AppRequests.AsNoTracking().Where(r => r.ActiveKey == key).Select(r => new { r.Id, r.Status }).Take(1).ToQueryString();
        command.CommandText = "EXPLAIN QUERY PLAN " + string.Join('\n', sql.Split('\n').Where(l => !l.StartsWith(".param", StringComparison.Ordinal)));
        foreach (Match p in ParamSet().Matches(sql)) command.Parameters.AddWithValue(p.Groups[1].Value, key);
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
        }
        Assert.Contains(plan, line => line.Contains("INDEX IX_app_requests_ActiveKey", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\.param set (\S+)", RegexOptions.Multiline)]
    private static partial Regex ParamSet();
}
