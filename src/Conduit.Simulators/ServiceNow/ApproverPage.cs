using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

public sealed partial class ServiceNowSimulator
{
    // A self-contained page (no external assets) for a human approver during demos.
    private IResult RenderApproverPage()
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
            <title>ServiceNow simulator: approvals</title><style>
            body{font-family:system-ui,sans-serif;margin:24px;background:#f4f6f8;color:#1d2a36}
            h1{font-size:20px}table{border-collapse:collapse;width:100%;background:#fff}
            th,td{border-bottom:1px solid #dde3e8;padding:8px;text-align:left;font-size:14px}
            th{background:#293e40;color:#fff}.requested{color:#b26b00}.approved{color:#2e7d32}.rejected{color:#c62828}
            form{display:inline}button{margin-right:4px;padding:4px 10px;cursor:pointer}
            </style></head><body><h1>Requests awaiting approval</h1>
            <table><tr><th>Number</th><th>Requesting user</th><th>Request</th><th>Device</th><th>Approval</th><th>Opened (UTC)</th><th></th></tr>
            """);
        foreach (var t in Tickets.OrderByDescending(t => t.OpenedAt).ThenByDescending(t => t.Number, StringComparer.Ordinal))
        {
            var e = (string s) => WebUtility.HtmlEncode(s);
            html.Append("<tr><td>").Append(e(t.Number)).Append("</td><td>").Append(e(t.URequestingUser))
                .Append("</td><td>").Append(e(t.ShortDescription)).Append("</td><td>").Append(t.UUemDeviceId)
                .Append("</td><td class=\"").Append(e(t.Approval)).Append("\">").Append(e(t.Approval))
                .Append("</td><td>").Append(SnTime(t.OpenedAt)).Append("</td><td>");
            if (t.Approval == "requested")
            {
                var id = e(t.SysId);
                html.Append("<form method=\"post\" action=\"/sim/tickets/").Append(id).Append("/approve\"><button>Approve</button></form>")
                    .Append("<form method=\"post\" action=\"/sim/tickets/").Append(id).Append("/reject\"><button>Reject</button></form>");
            }
            html.Append("</td></tr>");
        }
        html.Append("</table></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }
}
