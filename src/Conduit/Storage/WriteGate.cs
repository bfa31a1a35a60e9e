using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Conduit.Storage;

/// <summary>
/// Every write of this process to a database goes through here, and is <b>group-committed</b>: one writer per database
/// takes the writes that are waiting (up to <see cref="MaxBatch"/>), runs each in its own savepoint inside one
/// transaction, commits once, and only then completes them. A caller's write is therefore durable (committed, WAL,
/// synchronous=NORMAL: it survives kill -9) before its task completes, exactly as with a transaction of its own, but
/// a busy hub pays the commit — the WAL append of every touched page, the lock, the fixed cost per transaction — once
/// per group instead of once per write. Nobody waits for a group to fill: a write that arrives at an idle writer runs
/// at once; the next group is whatever queued meanwhile.
/// <para>
/// A write that throws is rolled back to its savepoint and fails alone; the others of its group commit. When the
/// commit itself fails, every write of the group fails (nothing of it was stored). Writes run in arrival order, so a
/// write sees the effects of every write before it. SQLite allows one writer per file anyway: here it never sees two
/// from us, and never sleeps in its busy handler (docs/architecture.md, "Writes").
/// </para>
/// </summary>
public static class WriteGate
{
    /// <summary>At most this many writes share a transaction.</summary>
    public const int MaxBatch = 128;

    // One writer per context configuration, i.e. per host and database (the options hold the host's services: a writer
    // must not outlive its host's logging, and a restarted host in the same process gets a new one).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IDbContextOptions, GroupWriter> Writers = [];
    private static readonly AsyncLocal<bool> InsideWrite = new();

    /// <summary>
    /// Runs <paramref name="work"/> in this database's writer, on the writer's own context (the <see cref="ConduitDb"/>
    /// passed in: stage entities and run ExecuteUpdate/ExecuteDelete on it, not on the caller's context), saves what it
    /// staged, and completes once the group it ran in is committed. <paramref name="work"/> must only touch the
    /// database: no network calls (it holds up every write queued behind it) and no nested WriteAsync.
    /// </summary>
    public static Task<T> WriteAsync<T>(this ConduitDb db, Func<ConduitDb, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        if (InsideWrite.Value) throw new InvalidOperationException("WriteAsync was called from inside a write: use the ConduitDb the write was given.");
        var options = db.GetService<IDbContextOptions>();
        var writer = Writers.GetValue(options, static o => new GroupWriter((DbContextOptions<ConduitDb>)o));
        var op = new WriteOp<T>(work, ct);
        writer.Enqueue(op);
        return op.Task;
    }

    public static Task WriteAsync(this ConduitDb db, Func<ConduitDb, CancellationToken, Task> work, CancellationToken ct) =>
        db.WriteAsync(async (w, c) =>
        {
            await work(w, c);
            return true;
        }, ct);

    /// <summary>How many groups and writes the writer of <paramref name="db"/>'s database has committed (tests, diagnostics).</summary>
    public static (long Groups, long Writes) Committed(ConduitDb db) =>
        Writers.TryGetValue(db.GetService<IDbContextOptions>(), out var w) ? (Interlocked.Read(ref w.Groups), Interlocked.Read(ref w.Writes)) : (0, 0);

    private abstract class WriteOp(CancellationToken ct)
    {
        public CancellationToken Ct { get; } = ct;
        public abstract Task RunAsync(ConduitDb db);
        public abstract void Complete();
        public abstract void Fail(Exception ex);
    }

    private sealed class WriteOp<T>(Func<ConduitDb, CancellationToken, Task<T>> work, CancellationToken ct) : WriteOp(ct)
    {
        // Callers continue on the thread pool, never inline on the writer's loop.
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public override async Task RunAsync(ConduitDb db)
        {
            _result = await work(db, Ct);
            await db.SaveChangesAsync(Ct);
        }

        public override void Complete() => _done.TrySetResult(_result!);

        public override void Fail(Exception ex)
        {
            if (ex is OperationCanceledException && Ct.IsCancellationRequested) _done.TrySetCanceled(Ct);
            else _done.TrySetException(ex);
        }
    }

    private sealed class GroupWriter
    {
        private static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(5);
        private readonly Channel<WriteOp> _queue = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });
        private readonly DbContextOptions<ConduitDb> _options;
        public long Groups;
        public long Writes;

        public GroupWriter(DbContextOptions<ConduitDb> options)
        {
            _options = options;
            _ = Task.Run(LoopAsync);
        }

        public void Enqueue(WriteOp op) => _queue.Writer.TryWrite(op);

        private async Task LoopAsync()
        {
            InsideWrite.Value = true;
            var reader = _queue.Reader;
            var group = new List<WriteOp>(MaxBatch);
            ConduitDb? db = null;
            while (true)
            {
                if (db is not null && !reader.TryPeek(out _))
                {
                    // Idle: keep the connection for a while, then let the file go (tests delete theirs; backups copy it).
                    using var idle = new CancellationTokenSource(IdleClose);
                    try
                    {
                        await reader.WaitToReadAsync(idle.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        db = await CloseAsync(db);
                    }
                }
                await reader.WaitToReadAsync();

                group.Clear();
                while (group.Count < MaxBatch && reader.TryRead(out var op))
                {
                    if (op.Ct.IsCancellationRequested) op.Fail(new OperationCanceledException(op.Ct));
                    else group.Add(op);
                }
                if (group.Count == 0) continue;

                try
                {
                    db ??= await OpenAsync();
                    await RunGroupAsync(db, group);
                }
                catch (Exception ex)
                {
                    // The transaction did not commit (or could not begin): nothing of this group was stored.
                    foreach (var op in group) op.Fail(ex);
                    db = await CloseAsync(db);
                }
            }
        }

        /// <summary>Lets the connection go; a broken one may throw on the way out, which must not stop the writer.</summary>
        private static async Task<ConduitDb?> CloseAsync(ConduitDb? db)
        {
            try
            {
                if (db is not null) await db.DisposeAsync();
            }
            catch (Exception)
            {
                // The next write opens a new connection.
            }
            return null;
        }

        private async Task<ConduitDb> OpenAsync()
        {
            var db = new ConduitDb(_options);
            // Each write has its own savepoint; EF Core's automatic one inside SaveChanges would only add statements.
            db.Database.AutoSavepointsEnabled = false;
            db.ChangeTracker.AutoDetectChangesEnabled = true;
            await db.Database.OpenConnectionAsync();
            // Checkpoints are WalCheckpointer's work, off this connection's commits; this is only the safety net (~80 MB).
            // The one writer gets a bigger page cache (16 MB; readers keep SQLite's 2 MB): a batch of the expiry sweep dirties
            // ~1,400 pages spread over the file, and with the default cache they spill to the WAL before the commit.
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint=20000; PRAGMA cache_size=-16384;");
            return db;
        }

        private async Task RunGroupAsync(ConduitDb db, List<WriteOp> group)
        {
            var ok = new List<WriteOp>(group.Count);
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                foreach (var op in group)
                {
                    await tx.CreateSavepointAsync("w");
                    try
                    {
                        await op.RunAsync(db);
                        await tx.ReleaseSavepointAsync("w");
                        ok.Add(op);
                    }
                    catch (Exception ex)
                    {
                        await tx.RollbackToSavepointAsync("w");
                        await tx.ReleaseSavepointAsync("w");
                        op.Fail(ex);
                    }
                    finally
                    {
                        db.ChangeTracker.Clear();
                    }
                }
                await tx.CommitAsync();
            }
            Interlocked.Increment(ref Groups);
            Interlocked.Add(ref Writes, ok.Count);
            foreach (var op in ok) op.Complete();
        }
    }
}
