using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Conduit.Storage;

public static class StorageSetup
{
    public const string DefaultConnectionString = "Data Source=data/conduit.db";

    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Conduit") ?? DefaultConnectionString;
        if (LooksLikePostgres(connectionString))
        {
            throw new StartupException(
                "ConnectionStrings__Conduit looks like a PostgreSQL connection string, but this build supports only SQLite (Data Source=path/to/file.db).");
        }

        var sqlite = PrepareSqlite(connectionString);
        // Pooled: a context is reset and reused rather than built (with its options and services) for every request and job.
        builder.Services.AddDbContextPool<ConduitDb>(o => ConfigureSqlite(o, sqlite), poolSize: 256);
        builder.Services.AddSingleton(new SqliteDatabase(sqlite));
        return builder;
    }

    internal static void ConfigureSqlite(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, s => s.CommandTimeout(60))
               .AddInterceptors(SqlitePragmas.Instance)
               // The expiry sweep takes "any 500 due rows" on purpose: ordering them would sort the whole backlog each time.
               .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.RowLimitingOperationWithoutOrderByWarning));

    /// <summary>Creates the folder of the database file and turns the connection string into its canonical form.</summary>
    internal static string PrepareSqlite(string connectionString)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(csb.DataSource))
        {
            throw new StartupException("ConnectionStrings__Conduit has no Data Source: give the path of the SQLite file.");
        }

        if (csb.DataSource != ":memory:")
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(csb.DataSource));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        }

        // Connection pooling keeps the per-connection pragmas below from being paid on every command.
        csb.Pooling = true;
        return csb.ToString();
    }

    private static bool LooksLikePostgres(string cs) =>
        cs.Contains("Host=", StringComparison.OrdinalIgnoreCase) || cs.StartsWith("postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>Applies pending migrations and switches the file to WAL (a persistent property of the file).</summary>
    public static async Task MigrateAsync(ConduitDb db, CancellationToken ct = default)
    {
        await db.Database.MigrateAsync(ct);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }

    /// <summary>Per-connection settings. synchronous=NORMAL in WAL mode keeps every committed transaction
    /// across a process crash (kill -9); only an OS crash or power loss can lose the last commits.</summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        /// <summary>The native connections (pooled by Microsoft.Data.Sqlite, reopened for every EF Core command) already set up.</summary>
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Applied = [];

        private static void Apply(DbConnection connection)
        {
            var handle = (connection as SqliteConnection)?.Handle;
            if (handle is not null && Applied.TryGetValue(handle, out _)) return;
            using var cmd = connection.CreateCommand();
            // temp_store=MEMORY: the writer's per-write savepoints need a statement journal, which SQLite otherwise keeps in
            // temporary files (an open, write and unlink each time, seen in the profile).
            // page_size=8192 takes effect only on a new, empty file (the first migration creates it with 8 KiB pages) and
            // is ignored on an existing one: an expiry or transition rewrites a row's page and an entry in each of a few
            // indexes, each page spread over the file; twice the rows per page meant ~23 % less CPU for the same sweep
            // (docs/decisions.md).
            cmd.CommandText = "PRAGMA page_size=8192; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=60000; PRAGMA temp_store=MEMORY;";
            cmd.ExecuteNonQuery();
            if (handle is not null) Applied.AddOrUpdate(handle, handle);
        }
    }
}

/// <summary>Used by `dotnet ef` at design time only.</summary>
internal sealed class DesignTimeDbFactory : IDesignTimeDbContextFactory<ConduitDb>
{
    public ConduitDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ConduitDb>();
        StorageSetup.ConfigureSqlite(options, "Data Source=design-time.db");
        return new ConduitDb(options.Options);
    }
}

/// <summary>A start-up problem the operator must fix; shown as one line, exit code 1.</summary>
public sealed class StartupException(string message) : Exception(message);
