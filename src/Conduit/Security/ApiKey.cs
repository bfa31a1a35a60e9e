namespace Conduit.Security;

/// <summary>A stored API key: only its SHA-256 hash is kept.</summary>
public sealed class ApiKey
{
    public string Name { get; set; } = "";
    public string Hash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Server-side secret material, e.g. the key that signs callback tokens.</summary>
public sealed class ServerSecret
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
}
