using System.Text.Json.Nodes;

namespace Conduit.AppApprovals;

/// <summary>Answer to intake and callbacks: the request id and its status in all three vocabularies.</summary>
public sealed record AppRequestSummary(Guid RequestId, string Status, string UemStatus, string HubStatus)
{
    public static AppRequestSummary From(Guid id, AppRequestStatus s) => new(id, s.ToString(), s.UemStatus(), s.HubStatus());
}

/// <summary>A request as admins and the catalog see it.</summary>
public sealed record AppRequestView(
    Guid RequestId, string Status, string UemStatus, string HubStatus,
    AppRequestView.UserView User, string? Domain, AppRequestView.DeviceView Device, AppRequestView.AppView App, string? Notes,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset DueDate,
    AppRequestView.TicketView? Ticket, AppRequestView.DecisionView? Decision, string? ErrorReason,
    IReadOnlyList<AppRequestView.TimelineView>? Timeline)
{
    public sealed record UserView(string UserId, string UserName, string? FirstName, string? LastName, string? Email);
    public sealed record DeviceView(long DeviceId, string? Name, string? Udid, string? Platform);
    public sealed record AppView(string Id, string Name, string? PackageId, string? Version, string? Platform, string? Type);
    public sealed record TicketView(string? Number, string? SysId);
    public sealed record DecisionView(string ApprovalStatus, string? UpdatedBy, string? Notes, DateTimeOffset? At);
    public sealed record TimelineView(DateTimeOffset At, string? From, string? To, string Actor, string Detail);

    public static AppRequestView From(AppRequest r, IReadOnlyList<TimelineEntry>? timeline) => new(
        r.Id, r.Status.ToString(), r.Status.UemStatus(), r.Status.HubStatus(),
        new UserView(r.UserId, r.UserName, r.FirstName, r.LastName, r.Email), r.Domain,
        new DeviceView(r.DeviceId, r.DeviceName, r.DeviceUdid, r.DevicePlatform),
        new AppView(r.AppId, r.AppName, r.PackageId, r.AppVersion, r.AppPlatform, r.AppType), r.Notes,
        r.CreatedAt, r.UpdatedAt, r.DueDate,
        r.TicketNumber is null && r.TicketSysId is null ? null : new TicketView(r.TicketNumber, r.TicketSysId),
        r.Decision is null ? null : new DecisionView(r.Decision, r.DecidedBy, r.DecisionNotes, r.DecidedAt),
        r.ErrorReason,
        timeline?.Select(t => new TimelineView(t.At, t.From, t.To, t.Actor, t.Detail)).ToList());
}

/// <summary>The body sent to ServiceNow's appapproval/request resource: field names and nesting exactly as the spec's sample.</summary>
public static class ServiceNowPayload
{
    public static JsonObject Build(AppRequest r, string callbackUrl) => new()
    {
        ["RequestId"] = r.Id.ToString("D"),
        ["RequestFor"] = new JsonObject
        {
            ["UserId"] = r.UserId,
            ["UserAttributes"] = new JsonObject
            {
                ["user_name"] = r.UserName,
                ["last_name"] = r.LastName ?? "",
                ["first_name"] = r.FirstName ?? "",
                ["email"] = r.Email ?? "",
            },
        },
        ["Domain"] = r.Domain ?? "",
        ["DeviceId"] = r.DeviceId,
        ["DeviceProperties"] = new JsonObject
        {
            ["name"] = r.DeviceName ?? "",
            ["device_udid"] = r.DeviceUdid ?? "",
            ["platform"] = r.DevicePlatform ?? "",
        },
        ["Notes"] = r.Notes ?? "",
        ["CatalogItem"] = new JsonObject
        {
            ["Id"] = r.AppId,
            ["Name"] = r.AppName,
            ["Categories"] = r.AppCategoriesJson is null ? null : JsonNode.Parse(r.AppCategoriesJson),
            ["Properties"] = new JsonObject
            {
                ["package_id"] = r.PackageId ?? "",
                ["version"] = r.AppVersion ?? "",
                ["platform"] = r.AppPlatform ?? "",
            },
        },
        ["DueDate"] = r.DueDate.ToUnixTimeMilliseconds(),
        ["Links"] = new JsonObject { ["ApprovalNotify"] = new JsonObject { ["Url"] = callbackUrl } },
    };
}
