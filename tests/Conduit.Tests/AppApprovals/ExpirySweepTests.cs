using Conduit.Simulators;
using Conduit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conduit.Tests.AppApprovals;

public sealed class ExpirySweepTests
{
    [Fact]
    public async Task A_backlog_larger_than_a_batch_all_expires_with_a_timeline_entry_each_and_no_leftover_jobs()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var uem = new UemSimulator(new UemSimulatorOptions { DeviceCount = 2000 });
        await uem.StartAsync();
        // No ServiceNow connector: the requests stay Submitted, their ticket jobs waiting to be retried.
        await using var hub = await TestHub.StartAsync(time: time);
        const int count = Conduit.AppApprovals.ExpirySweeper.BatchSize + 120; // more than one batch
        for (var first = 1; first <= count; first += 16)
        {
            await Task.WhenAll(Enumerable.Range(first, Math.Min(16, count - first + 1)).Select(d => hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: d))));
        }
        var undecidedLater = await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: 1999));

        time.Advance(TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1));
        var later = await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: 1998)); // due in 14 days from now: must not expire

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

    [Fact]
    public async Task The_sweeper_sleeps_until_the_next_due_date_when_it_is_nearer_than_the_poll_interval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var uem = new UemSimulator(new UemSimulatorOptions { DeviceCount = 10 });
        await using var hub = await TestHub.StartAsync(s => s["Conduit:Jobs:PollInterval"] = "00:00:05", time: time);
        var sweeper = hub.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Conduit.AppApprovals.ExpirySweeper>().Single();

        Assert.Equal(TimeSpan.FromSeconds(5), await sweeper.UntilNextLookAsync(sweptSome: false, CancellationToken.None)); // nothing undecided
        var id = await hub.SubmitAcceptedAsync(Requests.For(uem, deviceId: 1));
        var due = DateTimeOffset.Parse((await hub.GetRequestAsync(id))["dueDate"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(TimeSpan.FromSeconds(5), await sweeper.UntilNextLookAsync(sweptSome: false, CancellationToken.None)); // 14 days away
        time.SetUtcNow(due - TimeSpan.FromMilliseconds(1200));
        Assert.Equal(TimeSpan.FromMilliseconds(1200), await sweeper.UntilNextLookAsync(sweptSome: false, CancellationToken.None));
        time.SetUtcNow(due + TimeSpan.FromMilliseconds(1)); // fell due after a sweep that took some: look again at once
        Assert.Equal(TimeSpan.FromMilliseconds(1), await sweeper.UntilNextLookAsync(sweptSome: true, CancellationToken.None));
        // Due, yet the sweep before found nothing due: not a tight loop.
        Assert.Equal(TimeSpan.FromSeconds(5), await sweeper.UntilNextLookAsync(sweptSome: false, CancellationToken.None));
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
