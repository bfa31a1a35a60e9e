using System.Net;
using Conduit.Connectors;
using Conduit.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conduit.Tests.Unit;

public sealed class RetryTests
{
    private static JobDispatcher Dispatcher(JobOptions options) =>
        new(null!, [], new JobSignal(), null!, TimeProvider.System, Options.Create(options), NullLogger<JobDispatcher>.Instance);

    [Fact]
    public void Backoff_doubles_with_jitter_and_stays_under_the_cap()
    {
        var dispatcher = Dispatcher(new JobOptions { RetryBaseDelay = TimeSpan.FromSeconds(2), RetryMaxDelay = TimeSpan.FromMinutes(10) });
        for (var i = 0; i < 200; i++)
        {
            var first = dispatcher.BackoffDelay(1, null);
            Assert.InRange(first.TotalSeconds, 1, 2);
            var fourth = dispatcher.BackoffDelay(4, null);
            Assert.InRange(fourth.TotalSeconds, 8, 16);
            var late = dispatcher.BackoffDelay(30, null);
            Assert.InRange(late.TotalMinutes, 5, 10);
        }
    }

    [Fact]
    public void Backoff_is_never_sooner_than_Retry_After()
    {
        var dispatcher = Dispatcher(new JobOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(TimeSpan.FromSeconds(30), dispatcher.BackoffDelay(1, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Retry_After_is_read_as_seconds_or_as_an_HTTP_date()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.TryAddWithoutValidation("Retry-After", "120");
        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.TryAddWithoutValidation("Retry-After", "Fri, 27 Nov 2026 10:05:00 GMT");
        using var none = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Equal(TimeSpan.FromSeconds(120), OutboundCall.RetryAfter(seconds.Headers, time));
        Assert.Equal(TimeSpan.FromMinutes(5), OutboundCall.RetryAfter(date.Headers, time));
        Assert.Null(OutboundCall.RetryAfter(none.Headers, time));
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    public void Only_408_429_and_5xx_are_transient(HttpStatusCode code, bool transient) =>
        Assert.Equal(transient, OutboundCall.IsTransient(code));
}
