using System.Net.Http.Headers;

namespace Conduit.Connectors;

/// <summary>One call to UEM or ServiceNow with its authentication applied: Basic, or an OAuth bearer token that is
/// fetched when needed and, when the API answers 401, refreshed once. Records the connector's health.</summary>
public sealed class AuthorizedCall(OAuthTokens tokens, ConnectorHealth health, TimeProvider time)
{
    public async Task<OutboundResult<T>> SendAsync<T>(
        HttpClient http, string kind, string describe,
        OAuthClient? oauth, string? basicUser, string? basicPassword,
        Func<HttpRequestMessage> build,
        Func<HttpResponseMessage, CancellationToken, Task<T?>> onSuccess,
        Func<HttpResponseMessage, string, string>? explainFailure,
        CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var request = build();
            if (oauth is not null)
            {
                var token = await tokens.GetAsync(oauth, kind == ConnectorKinds.Uem ? "UEM" : "ServiceNow", ct);
                if (!token.Success)
                {
                    request.Dispose();
                    var failed = token.As<T>();
                    health.Record(kind, failed);
                    return failed;
                }
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
            }
            else
            {
                request.Headers.Authorization = OutboundCall.Basic(basicUser ?? "", basicPassword ?? "");
            }

            var result = await OutboundCall.SendAsync(http, request, describe, time, onSuccess, explainFailure, ct, r => health.ObserveRateLimit(kind, r));
            request.Dispose();
            if (result.StatusCode == 401 && oauth is not null && attempt == 0)
            {
                tokens.Invalidate(oauth); // the token expired early or was revoked: one fresh token, one more try
                continue;
            }
            health.Record(kind, result);
            return result;
        }
    }
}
