using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace Conduit.Storage;

/// <summary>
/// SQLite has one write lock per database file. Writers that collide wait in SQLite's busy handler, which sleeps
/// (1, 2, 5 … 100 ms) on a thread-pool thread; under load most of the hub's time went there (docs/benchmarks.md).
/// So every write in this process takes its turn here first, in order, without sleeping: SQLite then never sees two
/// writers from us. Reads are not gated (WAL lets them run beside the writer).
/// </summary>
public static class WriteGate
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new();

    private static SemaphoreSlim For(ConduitDb db) => Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));

    /// <summary>Runs one write (a SaveChanges, an ExecuteUpdate) in this database's turn.</summary>
    public static async Task<T> WriteAsync<T>(this ConduitDb db, Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var gate = For(db);
        await gate.WaitAsync(ct);
        try
        {
            return await work(ct);
        }
        finally
        {
            gate.Release();
        }
    }

    public static Task WriteAsync(this ConduitDb db, Func<CancellationToken, Task> work, CancellationToken ct) =>
        db.WriteAsync(async c =>
        {
            await work(c);
            return true;
        }, ct);

    /// <summary>Runs <paramref name="work"/> and saves what it staged, in one transaction, in this database's turn.</summary>
    public static Task<T> WriteTransactionAsync<T>(this ConduitDb db, Func<CancellationToken, Task<T>> work, CancellationToken ct) =>
        db.WriteAsync(async c =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(c);
            var result = await work(c);
            await db.SaveChangesAsync(c);
            await tx.CommitAsync(c);
            return result;
        }, ct);

    public static Task WriteTransactionAsync(this ConduitDb db, Func<CancellationToken, Task> work, CancellationToken ct) =>
        db.WriteTransactionAsync(async c =>
        {
            await work(c);
            return true;
        }, ct);
}
