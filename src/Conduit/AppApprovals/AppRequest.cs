namespace Conduit.AppApprovals;

/// <summary>The canonical lifecycle of an app request (DESIGN §2).</summary>
public enum AppRequestStatus
{
    Submitted,
    PendingApproval,
    Approved,
    InstallCommandDispatched,
    Installed,
    Rejected,
    Expired,
    Error,
}

public static class AppRequestStatusViews
{
    public static bool IsFinal(this AppRequestStatus status) => status is
        AppRequestStatus.Installed or AppRequestStatus.Rejected or AppRequestStatus.Expired or AppRequestStatus.Error;

    /// <summary>The string the UEM console shows (spec, "Workspace ONE UEM App Approval Statuses").</summary>
    public static string UemStatus(this AppRequestStatus status) => status switch
    {
        AppRequestStatus.Submitted or AppRequestStatus.PendingApproval or AppRequestStatus.Approved => "Pending Approval",
        AppRequestStatus.InstallCommandDispatched => "Install Command Dispatched",
        AppRequestStatus.Installed => "Installed",
        AppRequestStatus.Rejected => "Rejected",
        AppRequestStatus.Expired => "Expired",
        _ => "Error",
    };

    /// <summary>The string the Intelligent Hub catalog shows (spec, "Intelligent Hub App Approval Statuses").</summary>
    public static string HubStatus(this AppRequestStatus status) => status switch
    {
        AppRequestStatus.Submitted or AppRequestStatus.PendingApproval => "Pending",
        AppRequestStatus.Approved or AppRequestStatus.InstallCommandDispatched => "Installing",
        AppRequestStatus.Installed => "Installed",
        _ => "Request",
    };
}

/// <summary>One user's request to install one app on one device, and where it stands.</summary>
public sealed class AppRequest
{
    public Guid Id { get; set; }
    public AppRequestStatus Status { get; set; }

    /// <summary>"user|device|app" while the request is active, null once final: a unique index makes
    /// "one active request per user, device and app" a database rule rather than a hope.</summary>
    public string? ActiveKey { get; set; }

    public string UserId { get; set; } = "";
    public string UserName { get; set; } = "";
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Email { get; set; }
    public string? Domain { get; set; }

    public long DeviceId { get; set; }
    public string? DeviceName { get; set; }
    public string? DeviceUdid { get; set; }
    public string? DevicePlatform { get; set; }
    public string? DeviceUuid { get; set; }

    public string AppId { get; set; } = "";
    public string AppName { get; set; } = "";
    public string? AppCategoriesJson { get; set; }
    public string? PackageId { get; set; }
    public string? AppVersion { get; set; }
    public string? AppPlatform { get; set; }
    /// <summary>internal, public or purchased, learned from UEM before the install.</summary>
    public string? AppType { get; set; }

    public string? Notes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset DueDate { get; set; }

    public string? TicketNumber { get; set; }
    public string? TicketSysId { get; set; }

    public string? Decision { get; set; }
    public string? DecidedBy { get; set; }
    public string? DecisionNotes { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }

    /// <summary>Install commands recorded for this request (1 once dispatched; never more, by design).</summary>
    public int InstallAttempts { get; set; }
    public string? ErrorReason { get; set; }

    public static string ActiveKeyFor(string userId, long deviceId, string appId) => $"{userId}|{deviceId}|{appId}";
}

/// <summary>One line of a request's history: a state change or a call to another system.</summary>
public sealed class TimelineEntry
{
    public long Id { get; set; }
    public Guid RequestId { get; set; }
    public DateTimeOffset At { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public string Actor { get; set; } = "";
    public string Detail { get; set; } = "";
}
