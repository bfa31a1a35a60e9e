using System.Buffers.Text;
using System.Security.Cryptography;
using Conduit.Security;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;

namespace Conduit.AppApprovals;

/// <summary>
/// The capability in a callback URL: "{request id}.{HMAC-SHA256(server key, request id)}" (base64url).
/// It is bound to one request, cannot be guessed without the server key (kept in the database, so every node
/// agrees), and is derived rather than stored, so no job row or log ever has to hold it.
/// </summary>
public sealed class CallbackTokens
{
    private const string KeyName = "callback-token-key";
    private byte[] _key = [];

    public async Task InitializeAsync(ConduitDb db, CancellationToken ct)
    {
        var stored = await db.ServerSecrets.AsNoTracking().FirstOrDefaultAsync(s => s.Name == KeyName, ct);
        if (stored is null)
        {
            stored = new ServerSecret { Name = KeyName, Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
            var created = stored;
            try
            {
                await db.WriteAsync((db, _) =>
                {
                    db.ServerSecrets.Add(created);
                    return Task.CompletedTask;
                }, ct);
            }
            catch (DbUpdateException)
            {
                // Another node created it first: use theirs.
                stored = await db.ServerSecrets.AsNoTracking().FirstAsync(s => s.Name == KeyName, ct);
            }
        }
        _key = Convert.FromBase64String(stored.Value);
    }

    /// <summary>Tokens under a given key, without a database (micro-benchmarks).</summary>
    internal static CallbackTokens WithKey(byte[] key) => new() { _key = key };

    public string Create(Guid requestId) => $"{requestId:N}.{Base64Url.EncodeToString(Mac(requestId))}";

    /// <summary>The request a token stands for, or null if it is malformed or forged (constant-time comparison).</summary>
    public Guid? Verify(string token)
    {
        if (token.Length > 100) return null;
        var dot = token.IndexOf('.');
        if (dot != 32 || !Guid.TryParseExact(token.AsSpan(0, dot), "N", out var id)) return null;
        Span<byte> given = stackalloc byte[64];
        if (!Base64Url.IsValid(token.AsSpan(dot + 1)) ||
            Base64Url.DecodeFromChars(token.AsSpan(dot + 1), given) is var n && n != 32)
        {
            return null;
        }
        return CryptographicOperations.FixedTimeEquals(given[..32], Mac(id)) ? id : null;
    }

    private byte[] Mac(Guid id)
    {
        if (_key.Length == 0) throw new InvalidOperationException("Callback tokens are not initialised.");
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return HMACSHA256.HashData(_key, bytes);
    }
}
