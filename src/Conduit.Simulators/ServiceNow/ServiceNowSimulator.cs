using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

/// <summary>
/// Simulated ServiceNow instance: the app-approval Scripted REST API that creates sc_request
/// tickets, a minimal Table API over them, an approver web page, and the Flow Designer flow that
/// POSTs the decision back to the ticket's UEM callback URL.
/// </summary>
public sealed partial class ServiceNowSimulator : SimulatorBase
{
    private readonly Lock _gate = new();
    private readonly List<ServiceNowTicket> _tickets = [];
    private readonly List<string> _received = [];
    private readonly Random _random = new(20240611);
    private readonly HttpClient _callbackClient = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _nextNumber = 10001;

    /// <summary>Creates a simulator; call <see cref="SimulatorBase.StartAsync"/> to serve it.</summary>
    public ServiceNowSimulator(ServiceNowSimulatorOptions? options = null) => Options = options ?? new ServiceNowSimulatorOptions();

    /// <summary>Current settings; settable so a test can switch auto-approve on or off.</summary>
    public ServiceNowSimulatorOptions Options { get; set; }

    /// <summary>All tickets in creation order (snapshot).</summary>
    public IReadOnlyList<ServiceNowTicket> Tickets
    {
        get
        {
            lock (_gate)
            {
                return _tickets.ToArray();
            }
        }
    }

    /// <summary>Raw bodies received on the appapproval resource after auth passed, in order.</summary>
    public IReadOnlyList<string> ReceivedApprovalRequests
    {
        get
        {
            lock (_gate)
            {
                return _received.ToArray();
            }
        }
    }

    /// <summary>The ticket whose u_uem_request_id is this UEM request id, if any.</summary>
    public ServiceNowTicket? FindByRequestId(string uemRequestId)
    {
        lock (_gate)
        {
            return _tickets.FirstOrDefault(t => t.UUemRequestId == Truncate(uemRequestId, 40));
        }
    }

    private ServiceNowTicket? Find(string sysIdOrNumber)
    {
        lock (_gate)
        {
            return _tickets.FirstOrDefault(t => t.SysId == sysIdOrNumber || string.Equals(t.Number, sysIdOrNumber, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>
    /// An approver approves or rejects the ticket. The flow (trigger "Updated", run "Once") then POSTs
    /// the decision to u_uem_callback_url, retrying on transport errors, 5xx and 429. Returns the last
    /// HTTP status the hub answered (0 = transport failure or no callback URL). Deciding an already
    /// decided ticket changes nothing and returns the last status.
    /// </summary>
    public async Task<int> DecideAsync(string sysIdOrNumber, bool approve, string updatedBy = "approver.admin", string notes = "")
    {
        var ticket = Find(sysIdOrNumber) ?? throw new ArgumentException($"No ticket {sysIdOrNumber}.", nameof(sysIdOrNumber));
        var now = DateTimeOffset.UtcNow;
        lock (ticket.Gate)
        {
            if (ticket.Approval != "requested")
            {
                return ticket.LastCallbackStatus ?? 0;
            }
            ticket.Approval = approve ? "approved" : "rejected";
            ticket.RequestState = approve ? "in_process" : "closed_rejected";
            ticket.UpdatedBy = updatedBy;
            ticket.UpdatedAt = now;
        }
        if (ticket.UUemCallbackUrl.Length == 0)
        {
            return 0;
        }
        return await SendCallbackAsync(ticket, CallbackBody(ticket, approve, updatedBy, notes, now)).ConfigureAwait(false);
    }

    // servicenow-and-slack.md §5 + seed REST step: Request Type "Text", so every value is a JSON string.
    // Design choice: values are JSON-escaped; a real Text template would paste them raw.
    private static string CallbackBody(ServiceNowTicket ticket, bool approve, string updatedBy, string notes, DateTimeOffset at)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("request_id", ticket.UUemRequestId);
            writer.WriteString("device_id", ticket.UUemDeviceId.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("approval_status", approve ? "APPROVED" : "REJECTED");
            writer.WriteString("updated_by", updatedBy);
            writer.WriteString("notes", notes);
            writer.WriteString("updated_at", at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private async Task<int> SendCallbackAsync(ServiceNowTicket ticket, string body)
    {
        var attempts = Math.Max(1, Options.CallbackAttempts);
        var status = 0;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            status = await PostOnceAsync(ticket.UUemCallbackUrl, body).ConfigureAwait(false);
            lock (ticket.Gate)
            {
                ticket.CallbacksSent++;
                ticket.LastCallbackStatus = status;
            }
            var retryable = status == 0 || status == 429 || status >= 500;
            if (!retryable || attempt == attempts || Lifetime.IsCancellationRequested)
            {
                break;
            }
            try
            {
                await Task.Delay(Options.CallbackRetryDelay, Lifetime.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return status;
    }

    private async Task<int> PostOnceAsync(string url, string body)
    {
        try
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _callbackClient.PostAsync(new Uri(url), content, Lifetime.Token).ConfigureAwait(false);
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>Runs a decision without awaiting it (approver page, auto-approve).</summary>
    private void DecideInBackground(string sysId, bool approve, string updatedBy, string notes, TimeSpan delay)
    {
        var stopping = Lifetime.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, stopping).ConfigureAwait(false);
                }
                await DecideAsync(sysId, approve, updatedBy, notes).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ArgumentException or ObjectDisposedException)
            {
                // The simulator was disposed or the ticket vanished; nothing to report to.
            }
        });
    }

    private ServiceNowTicket CreateTicket(AppApprovalRequest request)
    {
        ServiceNowTicket ticket;
        lock (_gate)
        {
            // Simulator design choice: a second POST with the same RequestId returns the existing
            // ticket instead of a duplicate, so a hub that retries after a lost response stays safe.
            // A stock script would create a second REQ; our reference script is ours to define.
            var existing = _tickets.FirstOrDefault(t => t.UUemRequestId == Truncate(request.RequestId, 40));
            if (existing is not null)
            {
                return existing;
            }
            var now = DateTimeOffset.UtcNow;
            Span<byte> bytes = stackalloc byte[16];
            _random.NextBytes(bytes);
            ticket = new ServiceNowTicket
            {
                SysId = Convert.ToHexStringLower(bytes),
                Number = "REQ" + (_nextNumber++).ToString("D7", CultureInfo.InvariantCulture),
                ShortDescription = "Request for Installation of " + request.AppName,
                Description = request.FirstName + " " + request.LastName + " Requests Installation of " + request.AppName,
                UUemCallbackUrl = Truncate(request.CallbackUrl, 2048),
                UUemDeviceId = request.DeviceId,
                UUemRequestId = Truncate(request.RequestId, 40),
                UUemUserId = request.UserId,
                URequestingUser = Truncate(request.UserName, 40),
                UUemNotes = Truncate(request.Notes, 4000),
                OpenedAt = now,
                UpdatedAt = now,
            };
            _tickets.Add(ticket);
        }
        var options = Options;
        if (options.AutoApproveAfter is { } after)
        {
            bool approve;
            lock (_gate)
            {
                approve = _random.NextDouble() < options.AutoApproveFraction;
            }
            DecideInBackground(ticket.SysId, approve, "auto.approver", approve ? "Auto-approved by simulator" : "Auto-rejected by simulator", after);
        }
        return ticket;
    }

    // ServiceNow silently cuts string values to the column's max length.
    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    /// <inheritdoc />
    protected override ValueTask DisposeCoreAsync()
    {
        _callbackClient.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Fields of the app-approval payload the script stores.</summary>
    private sealed record AppApprovalRequest(
        string RequestId, string CallbackUrl, long DeviceId, string Notes, string AppName,
        long? UserId, string UserName, string FirstName, string LastName);
}
