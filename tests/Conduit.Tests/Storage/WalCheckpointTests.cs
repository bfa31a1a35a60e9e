using Conduit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Conduit.Tests.Storage;

/// <summary>Committed writes reach the database file itself (not only the WAL) without waiting for the writer's
/// much larger automatic checkpoint: the hub's checkpointer copies them back in the background.</summary>
public sealed class WalCheckpointTests
{
    [Fact]
    public async Task A_new_database_file_gets_8_KiB_pages_and_WAL()
    {
        await using var hub = await TestHub.StartAsync();
        await using var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size";
        Assert.Equal(8192L, (long)(await command.ExecuteScalarAsync())!);
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Accepted_requests_reach_the_database_file_within_moments()
    {
        await using var hub = await TestHub.StartAsync();
        var uem = new Conduit.Simulators.UemSimulator(new Conduit.Simulators.UemSimulatorOptions());
        for (var d = 1; d <= 3; d++) await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: d));

        // The main file alone, as a copy without its -wal: what a checkpoint has written back.
        var copy = Path.Combine(hub.DataDir, "main-file-only.db");
        await Eventually.GetAsync(async () =>
        {
            File.Copy(hub.DatabasePath, copy, overwrite: true);
            await using var connection = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'app_requests'";
            if ((long)(await command.ExecuteScalarAsync())! == 0) return 0L;
            command.CommandText = "SELECT COUNT(*) FROM app_requests";
            return (long)(await command.ExecuteScalarAsync())!;
        }, n => n == 3, TimeSpan.FromSeconds(5), "3 requests in the main database file");
    }
}
