namespace Conduit.Connectors;

/// <summary>Stored settings of one connector. Secrets live only in <see cref="ProtectedSecrets"/>,
/// encrypted with ASP.NET Core Data Protection.</summary>
public sealed class Connector
{
    public string Kind { get; set; } = "";
    public string SettingsJson { get; set; } = "{}";
    public string? ProtectedSecrets { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastFailureAt { get; set; }
    public string? LastFailure { get; set; }
}
