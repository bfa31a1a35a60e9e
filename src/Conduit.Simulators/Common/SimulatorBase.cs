using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conduit.Simulators;

/// <summary>
/// Runs one simulated system on its own loopback Kestrel server, with fault injection in front of
/// the system's endpoints and a control API under <c>/_control</c>.
/// </summary>
public abstract class SimulatorBase : IAsyncDisposable
{
    private static readonly JsonSerializerOptions ControlJson = new(JsonSerializerDefaults.Web);
    private WebApplication? _app;
    private Uri? _baseUrl;

    /// <summary>Cancelled on dispose; background work (delayed installs, callbacks) observes it.</summary>
    protected CancellationTokenSource Lifetime { get; } = new();

    /// <summary>Root URL of the running simulator, e.g. http://127.0.0.1:43123; valid after <see cref="StartAsync"/>.</summary>
    public Uri BaseUrl => _baseUrl ?? throw new InvalidOperationException("The simulator has not been started.");

    /// <summary>Faults applied to the simulator's own endpoints (not to /_control).</summary>
    public FaultInjector Faults { get; } = new();

    /// <summary>Starts the server; port 0 picks a free port and <see cref="BaseUrl"/> reports the real one.</summary>
    public async Task StartAsync(string url = "http://127.0.0.1:0", CancellationToken ct = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The simulator is already started.");
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        builder.Services.AddRouting();
        var app = builder.Build();

        app.Use(ApplyFaultsAsync);
        app.MapPost("/_control/faults", (Delegate)AddFaultAsync);
        app.MapDelete("/_control/faults", () =>
        {
            Faults.Clear();
            return Results.NoContent();
        });
        app.MapGet("/_control/faults", () => Results.Json(new { hits = Faults.Hits }));
        MapEndpoints(app);

        await app.StartAsync(ct).ConfigureAwait(false);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no address.");
        _baseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>Maps the simulated system's endpoints.</summary>
    protected abstract void MapEndpoints(WebApplication app);

    /// <summary>Writes the system's usual error response for a faulted call with this status.</summary>
    protected virtual Task WriteFaultResponseAsync(HttpContext context, int statusCode)
    {
        context.Response.StatusCode = statusCode;
        return Task.CompletedTask;
    }

    /// <summary>Stops the server and cancels background work.</summary>
    public async ValueTask DisposeAsync()
    {
        await Lifetime.CancelAsync().ConfigureAwait(false);
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
        await DisposeCoreAsync().ConfigureAwait(false);
        Lifetime.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources of the derived simulator.</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    private async Task ApplyFaultsAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/_control", StringComparison.OrdinalIgnoreCase))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var rule = Faults.Match(context.Request.Method, path);
        if (rule is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (rule.Delay > TimeSpan.Zero)
        {
            await Task.Delay(rule.Delay, context.RequestAborted).ConfigureAwait(false);
        }
        if (rule.DropConnection)
        {
            context.Abort();
            return;
        }
        if (rule.DropResponse)
        {
            await next(context).ConfigureAwait(false);
            context.Abort();
            return;
        }
        if (rule.RetryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (rule.StatusCode is { } status)
        {
            await WriteFaultResponseAsync(context, status).ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    private async Task<IResult> AddFaultAsync(HttpContext context)
    {
        FaultRuleDto? dto;
        try
        {
            dto = await JsonSerializer.DeserializeAsync<FaultRuleDto>(context.Request.Body, ControlJson, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return Results.BadRequest(new { error = ex.Message });
        }
        if (dto is null)
        {
            return Results.BadRequest(new { error = "A fault rule is required." });
        }
        Faults.Add(new FaultRule
        {
            PathContains = dto.PathContains ?? "",
            Method = dto.Method,
            StatusCode = dto.StatusCode,
            RetryAfterSeconds = dto.RetryAfterSeconds,
            Delay = TimeSpan.FromMilliseconds(dto.DelayMs ?? 0),
            DropConnection = dto.DropConnection ?? false,
            Count = dto.Count,
            Fraction = dto.Fraction ?? 1.0,
        });
        return Results.NoContent();
    }

    private sealed record FaultRuleDto(
        string? PathContains,
        string? Method,
        int? StatusCode,
        int? RetryAfterSeconds,
        double? DelayMs,
        bool? DropConnection,
        int? Count,
        double? Fraction);
}
