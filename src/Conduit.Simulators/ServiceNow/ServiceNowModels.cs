namespace Conduit.Simulators;

/// <summary>Settings of the simulated ServiceNow instance.</summary>
public sealed record ServiceNowSimulatorOptions
{
    /// <summary>Integration user accepted in Basic auth.</summary>
    public string UserName { get; init; } = "conduit.integration";

    /// <summary>Password of <see cref="UserName"/>.</summary>
    public string Password { get; init; } = "sn-password";

    /// <summary>Scripted REST API namespace: /api/{ns}/appapproval/request.</summary>
    public string ApiNamespace { get; init; } = "x_conduit";

    /// <summary>Attempts of the approval callback (the REST step's retry policy).</summary>
    public int CallbackAttempts { get; init; } = 3;

    /// <summary>Pause between callback attempts.</summary>
    public TimeSpan CallbackRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Null = humans decide; else every new ticket is decided after this delay.</summary>
    public TimeSpan? AutoApproveAfter { get; init; }

    /// <summary>Share of auto-decided tickets that are approved; the rest are rejected.</summary>
    public double AutoApproveFraction { get; init; } = 1.0;
}

/// <summary>An sc_request record created by the app-approval Scripted REST API.</summary>
public sealed class ServiceNowTicket
{
    /// <summary>32 lowercase hex characters.</summary>
    public string SysId { get; init; } = "";

    /// <summary>REQ0010001, REQ0010002, ...</summary>
    public string Number { get; init; } = "";

    /// <summary>"Request for Installation of {AppName}".</summary>
    public string ShortDescription { get; init; } = "";

    /// <summary>"{FirstName} {LastName} Requests Installation of {AppName}".</summary>
    public string Description { get; init; } = "";

    /// <summary>"requested", "approved" or "rejected".</summary>
    public string Approval { get; internal set; } = "requested";

    /// <summary>"requested", then "in_process" (approved) or "closed_rejected".</summary>
    public string RequestState { get; internal set; } = "requested";

    /// <summary>Column u_uem_callback_url (max 2048).</summary>
    public string UUemCallbackUrl { get; init; } = "";

    /// <summary>Column u_uem_device_id (integer).</summary>
    public long UUemDeviceId { get; init; }

    /// <summary>Column u_uem_request_id (max 40).</summary>
    public string UUemRequestId { get; init; } = "";

    /// <summary>Column u_uem_user_id (integer, optional).</summary>
    public long? UUemUserId { get; init; }

    /// <summary>Column u_requesting_user (max 40).</summary>
    public string URequestingUser { get; init; } = "";

    /// <summary>Column u_uem_notes (max 4000).</summary>
    public string UUemNotes { get; init; } = "";

    /// <summary>When the ticket was created.</summary>
    public DateTimeOffset OpenedAt { get; init; }

    /// <summary>Who approved or rejected the ticket.</summary>
    public string? UpdatedBy { get; internal set; }

    /// <summary>When the ticket was last updated.</summary>
    public DateTimeOffset UpdatedAt { get; internal set; }

    /// <summary>Callback attempts made (each retry counts).</summary>
    public int CallbacksSent { get; internal set; }

    /// <summary>HTTP status of the last callback attempt; 0 for a transport failure.</summary>
    public int? LastCallbackStatus { get; internal set; }

    internal Lock Gate { get; } = new();
}
