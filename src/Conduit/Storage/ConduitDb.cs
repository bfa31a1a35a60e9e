using Conduit.AppApprovals;
using Conduit.Connectors;
using Conduit.Jobs;
using Conduit.Security;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Conduit.Storage;

public sealed class ConduitDb(DbContextOptions<ConduitDb> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<AppRequest> AppRequests => Set<AppRequest>();
    public DbSet<TimelineEntry> Timeline => Set<TimelineEntry>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<Connector> Connectors => Set<Connector>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<ServerSecret> ServerSecrets => Set<ServerSecret>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        // Instants are stored as Unix milliseconds: sortable and comparable in SQL on every provider
        // (SQLite cannot compare DateTimeOffset text), and cheap to index.
        builder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        builder.Properties<AppRequestStatus>().HaveConversion<string>().HaveMaxLength(32);
        builder.Properties<JobState>().HaveConversion<string>().HaveMaxLength(16);
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<AppRequest>(e =>
        {
            e.ToTable("app_requests");
            e.HasKey(r => r.Id);
            // One active request per user, device and app. Only active requests carry a key: finished ones (most of the table)
            // stay out of the index, so finishing a request is one delete from it instead of a delete plus an insert among
            // the NULLs, where packed pages split (the expiry sweep of a 100k backlog spent a fifth of its time there).
            e.HasIndex(r => r.ActiveKey).IsUnique().HasFilter("\"ActiveKey\" IS NOT NULL");
            e.HasIndex(r => new { r.Status, r.CreatedAt });
            // The expiry sweep's index holds only undecided requests: a decided or expired request leaves it (one delete)
            // instead of moving to another status's range of it (a delete and an insert on another page).
            e.HasIndex(r => r.DueDate, "IX_app_requests_DueDate_Undecided").HasFilter("\"Status\" IN ('Submitted', 'PendingApproval')");
            e.HasIndex(r => r.CreatedAt);
            e.HasIndex(r => new { r.UserId, r.CreatedAt });
            e.HasIndex(r => new { r.DeviceId, r.CreatedAt });
            e.HasIndex(r => new { r.AppId, r.CreatedAt });
            e.Property(r => r.ActiveKey).HasMaxLength(300);
            e.Property(r => r.UserId).HasMaxLength(100);
            e.Property(r => r.UserName).HasMaxLength(100);
            e.Property(r => r.AppId).HasMaxLength(100);
            e.Property(r => r.AppName).HasMaxLength(300);
            e.Property(r => r.Notes).HasMaxLength(4000);
            e.Property(r => r.Decision).HasMaxLength(16);
        });
        model.Entity<TimelineEntry>(e =>
        {
            e.ToTable("timeline");
            e.HasIndex(t => new { t.RequestId, t.Id });
            e.Property(t => t.From).HasMaxLength(32);
            e.Property(t => t.To).HasMaxLength(32);
            e.Property(t => t.Actor).HasMaxLength(100);
        });
        model.Entity<Job>(e =>
        {
            e.ToTable("jobs");
            e.HasIndex(j => new { j.State, j.RunAt });
            e.HasIndex(j => j.RequestId);
            e.Property(j => j.Kind).HasMaxLength(64);
        });
        model.Entity<Connector>(e =>
        {
            e.ToTable("connectors");
            e.HasKey(c => c.Kind);
            e.Property(c => c.Kind).HasMaxLength(32);
        });
        model.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasKey(k => k.Name);
            e.Property(k => k.Name).HasMaxLength(32);
        });
        model.Entity<ServerSecret>(e =>
        {
            e.ToTable("server_secrets");
            e.HasKey(k => k.Name);
            e.Property(k => k.Name).HasMaxLength(64);
        });
    }

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(),
        v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}
