using Conduit.Simulators;
using Conduit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Conduit.Tests.AppApprovals;

public sealed class ExpirySweepTests
{
    [Fact]
    public async Task A_backlog_larger_than_a_batch_all_expires_with_a_timeline_entry_each_and_no_leftover_jobs()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var uem = new UemSimulator(new UemSimulatorOptions { DeviceCount = 1000 });
        await uem.StartAsync();
        // No ServiceNow connector: the requests stay Submitted, their ticket jobs waiting to be retried.
        await using var hub = await TestHub.StartAsync(time: time);
        const int count = 620; // more than one batch of 500
        for (var device = 1; device <= count; device++) await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: device));
        var undecidedLater = await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: 999));

        time.Advance(TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1));
        var later = await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: 998)); // due in 14 days from now: must not expire

        await Eventually.GetAsync(() => Task.FromResult(Count("SELECT COUNT(*) FROM app_requests WHERE Status = 'Expired'", hub)),
            n => n == count + 1, TimeSpan.FromSeconds(30), "the whole backlog to expire");
        Assert.Equal(count + 1, Count("SELECT COUNT(*) FROM timeline WHERE \"To\" = 'Expired'", hub));
        Assert.Equal(0, Count("SELECT COUNT(*) FROM app_requests WHERE Status IN ('Submitted', 'PendingApproval') AND DueDate <= " + time.GetUtcNow().ToUnixTimeMilliseconds(), hub));
        Assert.Equal(1, Count("SELECT COUNT(*) FROM jobs WHERE Kind = 'servicenow.create-ticket'", hub)); // only the later request's
        var expired = await hub.GetRequestAsync(undecidedLater);
        Assert.Equal("Expired", expired["status"]!.ToString());
        Assert.Equal("Request", expired["hubStatus"]!.ToString());
        Assert.Equal("Submitted", (await hub.GetRequestAsync(later))["status"]!.ToString());
        // Expired requests free their user+device+app pair.
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await hub.SubmitAsync(Requests.For(uem, deviceId: 1))).StatusCode);
    }

    private static long Count(string sql, TestHub hub)
    {
        using var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }
}
