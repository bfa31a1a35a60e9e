using Microsoft.Data.Sqlite;

namespace Conduit.Storage;

/// <summary>
/// Copies committed WAL pages back into the database file from a connection of its own, every
/// <see cref="Interval"/>, so that the one writer does not do it inside its commits: SQLite runs a checkpoint on the
/// committing connection once the WAL passes wal_autocheckpoint pages, which put every checkpoint's copying on the
/// writer's critical path. PASSIVE never blocks the writer or readers; the writer keeps a larger automatic checkpoint
/// as a safety net (<see cref="WriteGate"/>), and SQLite checkpoints when the last connection closes.
/// </summary>
public sealed partial class WalCheckpointer(SqliteDatabase database, ILogger<WalCheckpointer> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var connection = new SqliteConnection(database.ConnectionString);
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (connection.State != System.Data.ConnectionState.Open)
                    {
                        await connection.OpenAsync(stoppingToken);
                        await Execute("PRAGMA busy_timeout=5000;");
                    }
                    await Execute("PRAGMA wal_checkpoint(PASSIVE);");
                }
                catch (SqliteException ex)
                {
                    LogCheckpointFailed(ex);
                    await connection.CloseAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        async Task Execute(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A WAL checkpoint failed; the next one runs shortly")]
    private partial void LogCheckpointFailed(Exception ex);
}

/// <summary>The SQLite database this process uses, in its canonical connection-string form.</summary>
public sealed record SqliteDatabase(string ConnectionString);
