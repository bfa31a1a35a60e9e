using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Conduit.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Conduit.Security;

public static class ApiKeyPolicies
{
    public const string Scheme = "ApiKey";
    /// <summary>Admin key only.</summary>
    public const string Admin = "admin";
    /// <summary>Intake key, or the admin key (admins may do what the catalog does).</summary>
    public const string Intake = "intake";
}

/// <summary>Settings directly under Conduit that carry the API keys (DESIGN §6).</summary>
public sealed record ApiKeyOptions
{
    public string? AdminApiKey { get; init; }
    public string? IntakeApiKey { get; init; }
}

/// <summary>
/// The hashes of the admin and intake keys. A key set in configuration wins; otherwise the stored hash is used;
/// otherwise a key is generated, its hash stored, and the key printed once on the console (never logged).
/// </summary>
public sealed class ApiKeyStore
{
    private byte[] _admin = [];
    private byte[] _intake = [];

    public async Task InitializeAsync(ConduitDb db, ApiKeyOptions options, TimeProvider time, TextWriter console, CancellationToken ct)
    {
        _admin = await ResolveAsync(db, "admin", options.AdminApiKey, time, console, ct);
        _intake = await ResolveAsync(db, "intake", options.IntakeApiKey, time, console, ct);
    }

    public string? RoleOf(string presented)
    {
        var hash = Hash(presented);
        // Both comparisons always run, in constant time, so timing tells nothing about either key.
        var isAdmin = CryptographicOperations.FixedTimeEquals(hash, _admin);
        var isIntake = CryptographicOperations.FixedTimeEquals(hash, _intake);
        return isAdmin ? ApiKeyPolicies.Admin : isIntake ? ApiKeyPolicies.Intake : null;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string Generate(string kind) => $"cdt_{kind}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24))}";

    private static async Task<byte[]> ResolveAsync(ConduitDb db, string name, string? configured, TimeProvider time, TextWriter console, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (configured.Length < 16) throw new StartupException($"Conduit__{Capitalize(name)}ApiKey is too short: use at least 16 characters.");
            return Hash(configured);
        }
        var stored = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Name == name, ct);
        if (stored is not null) return Convert.FromHexString(stored.Hash);

        var key = Generate(name);
        await db.WriteAsync((db, _) =>
        {
            db.ApiKeys.Add(new ApiKey { Name = name, Hash = Convert.ToHexString(Hash(key)), CreatedAt = time.GetUtcNow() });
            return Task.CompletedTask;
        }, ct);
        await console.WriteLineAsync($"Generated the {name} API key (shown only now; it is stored hashed): {key}");
        await console.WriteLineAsync($"  use it as 'Authorization: Bearer {key}', or set Conduit__{Capitalize(name)}ApiKey to choose your own.");
        return Hash(key);
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}

/// <summary>Authenticates "Authorization: Bearer &lt;api key&gt;" against <see cref="ApiKeyStore"/>.</summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("Use 'Authorization: Bearer <api key>'."));
        }
        var role = keys.RoleOf(header["Bearer ".Length..].Trim());
        if (role is null) return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, role), new Claim(ClaimTypes.Role, role)], ApiKeyPolicies.Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyPolicies.Scheme)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Unauthorized",
            detail: "Send 'Authorization: Bearer <api key>' with the admin or intake key.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(statusCode: 403, title: "Forbidden", detail: "This API key may not call this endpoint; it needs the admin key.")
            .ExecuteAsync(Context);
    }
}

public static class ApiKeySetup
{
    public static IHostApplicationBuilder AddApiKeys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>().BindConfiguration("Conduit");
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddAuthentication(ApiKeyPolicies.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyPolicies.Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyPolicies.Admin, p => p.RequireRole(ApiKeyPolicies.Admin))
            .AddPolicy(ApiKeyPolicies.Intake, p => p.RequireRole(ApiKeyPolicies.Admin, ApiKeyPolicies.Intake));
        return builder;
    }
}
