using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Conduit.Connectors;

/// <summary>The outcome of one call to another system, classified once here (bitwarden's IntegrationHandlerResult idea):
/// 408, 429, 5xx and transport errors are transient; every other non-2xx is permanent.</summary>
public sealed record OutboundResult<T>(bool Success, T? Value, bool Retryable, string? FailureReason, TimeSpan? RetryAfter, int? StatusCode, TimeSpan Elapsed)
{
    /// <summary>Why the request never got an answer (DNS, connect, TLS…), when that was the case.</summary>
    public HttpRequestError? TransportError { get; init; }

    /// <summary>The start of the error body the other system answered with (UEM's errorCode JSON, Slack's plain-text code…).</summary>
    public string? ErrorBody { get; init; }

    public static OutboundResult<T> Ok(T? value, int status, TimeSpan elapsed) => new(true, value, false, null, null, status, elapsed);

    public OutboundResult<TOther> As<TOther>(TOther? value = default) =>
        new(Success, value, Retryable, FailureReason, RetryAfter, StatusCode, Elapsed) { TransportError = TransportError, ErrorBody = ErrorBody };
}

public static class OutboundCall
{
    public static bool IsTransient(HttpStatusCode code) =>
        code is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)code >= 500;

    /// <summary>Sends a request and classifies the answer. <paramref name="describe"/> names the call in failure
    /// reasons without its URL, since URLs (Slack webhooks) can be secrets.</summary>
    public static async Task<OutboundResult<T>> SendAsync<T>(
        HttpClient http, HttpRequestMessage request, string describe, TimeProvider time,
        Func<HttpResponseMessage, CancellationToken, Task<T?>> onSuccess,
        Func<HttpResponseMessage, string, string>? explainFailure,
        CancellationToken ct,
        Action<HttpResponseMessage>? observe = null)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            observe?.Invoke(response);
            if (response.IsSuccessStatusCode)
            {
                return OutboundResult<T>.Ok(await onSuccess(response, ct), status, elapsed);
            }

            var body = await ReadSnippetAsync(response, ct);
            var explained = explainFailure?.Invoke(response, body) ?? body;
            var reason = $"{describe} answered {status} {response.ReasonPhrase}{(string.IsNullOrWhiteSpace(explained) ? "" : ": " + explained)}";
            return new OutboundResult<T>(false, default, IsTransient(response.StatusCode), reason, RetryAfter(response.Headers, time), status, elapsed)
            {
                ErrorBody = body,
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new OutboundResult<T>(false, default, true, $"{describe} timed out after {http.Timeout.TotalSeconds:0.#} s", null, null, Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException ex)
        {
            return new OutboundResult<T>(false, default, true, $"{describe} failed: {Describe(ex)}", null, null, Stopwatch.GetElapsedTime(started))
            {
                TransportError = ex.HttpRequestError,
            };
        }
    }

    private static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => $"host not found ({ex.InnerException?.Message ?? ex.Message})",
        HttpRequestError.ConnectionError => $"cannot connect ({ex.InnerException?.Message ?? ex.Message})",
        HttpRequestError.SecureConnectionError => $"TLS handshake failed ({ex.InnerException?.Message ?? ex.Message})",
        _ => $"{ex.HttpRequestError} ({ex.InnerException?.Message ?? ex.Message})",
    };

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    /// <summary>Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3).</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, TimeProvider time)
    {
        var ra = headers.RetryAfter;
        if (ra?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (ra?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));
}
