using System.ComponentModel.DataAnnotations;

namespace Conduit.AppApprovals;

/// <summary>Settings under Conduit:AppApprovals (DESIGN §6).</summary>
public sealed record AppApprovalOptions
{
    /// <summary>Time from a request to its DueDate; undecided requests expire then.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromDays(14);

    /// <summary>How often UEM is asked whether a dispatched install finished.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan InstallPollInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A dispatched install that the device has not reported by then ends in Error.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan InstallTimeout { get; init; } = TimeSpan.FromDays(7);
}

/// <summary>Settings directly under Conduit.</summary>
public sealed record HubOptions
{
    /// <summary>Origin put into callback URLs sent to ServiceNow; defaults to the first listen URL.</summary>
    public string? PublicBaseUrl { get; init; }
}
