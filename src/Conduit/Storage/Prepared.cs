using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Conduit.Storage;

/// <summary>
/// The few statements every flow runs several times (timeline lines, job rows, the new request) as prepared commands on
/// the writer's connection: parsed once per connection, then only bound and stepped. Profiling showed EF Core's
/// SaveChanges pipeline (change tracking, command batching, generated-key read-back) as the largest cost of a flow
/// (docs/benchmarks.md). Only inside <see cref="WriteGate.WriteAsync{T}"/>: they run in its transaction and savepoint.
/// Values are stored the way the EF Core model stores them (<see cref="ConduitDb"/>): instants as Unix milliseconds,
/// GUIDs as upper-case text, enums by name.
/// </summary>
public static class Prepared
{
    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, SqliteCommand>> Commands = [];

    public static int Execute(ConduitDb db, string sql, params ReadOnlySpan<object?> values) => Bind(db, sql, values).ExecuteNonQuery();

    public static object? Scalar(ConduitDb db, string sql, params ReadOnlySpan<object?> values) => Bind(db, sql, values).ExecuteScalar();

    public static string Text(Guid id) => id.ToString("D").ToUpperInvariant();

    public static long Millis(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static SqliteCommand Bind(ConduitDb db, string sql, ReadOnlySpan<object?> values)
    {
        if (db.Database.CurrentTransaction?.GetDbTransaction() is not SqliteTransaction tx)
        {
            throw new InvalidOperationException("Prepared statements run only inside WriteGate.WriteAsync, on the ConduitDb it passes.");
        }
        var connection = tx.Connection!;
        var commands = Commands.GetOrCreateValue(connection);
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++) command.Parameters.Add(new SqliteParameter("$" + i, null));
            commands[sql] = command;
        }
        if (command.Parameters.Count != values.Length) throw new ArgumentException($"expected {command.Parameters.Count} values", nameof(values));
        command.Transaction = tx;
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return command;
    }
}
