using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Conduit.AppApprovals;

/// <summary>Builds the callback URLs that ServiceNow will call: Conduit:PublicBaseUrl, or else the first address the hub listens on.</summary>
public sealed class PublicUrls(IOptions<HubOptions> options, IServer server, CallbackTokens tokens)
{
    private string? _origin;

    public string Origin => _origin ??= Resolve();

    public string CallbackUrl(Guid requestId) => $"{Origin}/api/v1/app-approvals/callbacks/{tokens.Create(requestId)}";

    private string Resolve()
    {
        if (!string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl)) return options.Value.PublicBaseUrl.TrimEnd('/');
        var first = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? throw new InvalidOperationException("Set Conduit__PublicBaseUrl: the hub has no listen address to put into callback URLs.");
        // A wildcard listen address is not something ServiceNow can call; loopback is the honest default.
        return first.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://0.0.0.0", "://localhost")
            .Replace("://[::]", "://localhost").TrimEnd('/');
    }
}
