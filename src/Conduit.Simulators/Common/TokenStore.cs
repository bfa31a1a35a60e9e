using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Conduit.Simulators;

/// <summary>Opaque bearer tokens with an expiry measured on a (fakeable) clock; thread-safe.</summary>
internal sealed class TokenStore(Func<TimeProvider> clock)
{
    private readonly ConcurrentDictionary<string, Grant> _tokens = new(StringComparer.Ordinal);
    private int _issued;

    /// <summary>Tokens issued since the simulator started (revocation does not reset it).</summary>
    public int Issued => Volatile.Read(ref _issued);

    /// <summary>Issues a new random token for <paramref name="subject"/>, valid for <paramref name="lifetime"/>.</summary>
    public string Issue(string subject, TimeSpan lifetime, int bytes = 32)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(bytes));
        _tokens[token] = new Grant(subject, clock().GetUtcNow() + lifetime);
        Interlocked.Increment(ref _issued);
        return token;
    }

    /// <summary>The subject of a known, unexpired token, or null.</summary>
    public string? Validate(string token)
    {
        if (!_tokens.TryGetValue(token, out var grant))
        {
            return null;
        }
        if (clock().GetUtcNow() >= grant.ExpiresAt)
        {
            _tokens.TryRemove(token, out _);
            return null;
        }
        return grant.Subject;
    }

    /// <summary>Forgets one token.</summary>
    public void Revoke(string token) => _tokens.TryRemove(token, out _);

    /// <summary>Forgets every token; callers must get new ones.</summary>
    public void RevokeAll() => _tokens.Clear();

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, or null.</summary>
    public static string? ReadBearer(string header) =>
        header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;

    /// <summary>user and password of an <c>Authorization: Basic …</c> header (both null if absent or malformed).</summary>
    public static (string? User, string? Password) ReadBasic(string header)
    {
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (decoded, null) : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return (null, null);
        }
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Grant(string Subject, DateTimeOffset ExpiresAt);
}
