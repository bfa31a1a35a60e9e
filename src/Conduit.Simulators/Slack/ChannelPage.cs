using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Conduit.Simulators;

public sealed partial class SlackSimulator
{
    // Renders received messages newest first, roughly as Slack shows them; no external assets.
    private IResult RenderChannelPage()
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
            <title>Slack simulator</title><style>
            body{font-family:system-ui,sans-serif;margin:24px;background:#fff;color:#1d1c1d;max-width:760px}
            .msg{border-bottom:1px solid #eee;padding:12px 0}.meta{color:#616061;font-size:12px}
            .channel{font-weight:700;color:#1264a3}.header{font-size:18px;font-weight:900;margin:6px 0}
            .fields{display:grid;grid-template-columns:1fr 1fr;gap:6px;margin:6px 0}
            .btn{display:inline-block;border:1px solid #ccc;border-radius:4px;padding:3px 10px;margin:4px 4px 0 0;font-weight:700;color:#1d1c1d;text-decoration:none}
            pre{white-space:pre-wrap;font-family:inherit;margin:4px 0}
            </style></head><body><h1>Incoming webhook messages</h1>
            """);
        foreach (var m in Messages.Reverse())
        {
            html.Append("<div class=\"msg\"><div class=\"meta\"><span class=\"channel\">").Append(E(m.Channel)).Append("</span> · ")
                .Append(m.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)).Append(" UTC</div>");
            if (m.BlocksJson is null)
            {
                html.Append("<pre>").Append(E(m.Text ?? "")).Append("</pre>");
            }
            else
            {
                RenderBlocks(html, m.BlocksJson);
            }
            html.Append("</div>");
        }
        html.Append("</body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static void RenderBlocks(StringBuilder html, string blocksJson)
    {
        using var document = JsonDocument.Parse(blocksJson);
        foreach (var block in document.RootElement.EnumerateArray())
        {
            var type = block.TryGetProperty("type", out var t) ? t.GetString() : null;
            switch (type)
            {
                case "header":
                    html.Append("<div class=\"header\">").Append(E(TextOf(block, "text"))).Append("</div>");
                    break;
                case "section":
                    if (block.TryGetProperty("text", out _))
                    {
                        html.Append("<pre>").Append(E(TextOf(block, "text"))).Append("</pre>");
                    }
                    if (block.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Array)
                    {
                        html.Append("<div class=\"fields\">");
                        foreach (var field in fields.EnumerateArray())
                        {
                            html.Append("<pre>").Append(E(field.TryGetProperty("text", out var ft) ? ft.GetString() ?? "" : "")).Append("</pre>");
                        }
                        html.Append("</div>");
                    }
                    break;
                case "actions":
                    if (block.TryGetProperty("elements", out var elements) && elements.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var element in elements.EnumerateArray())
                        {
                            var url = element.TryGetProperty("url", out var u) ? u.GetString() ?? "#" : "#";
                            html.Append("<a class=\"btn\" href=\"").Append(E(url)).Append("\">").Append(E(TextOf(element, "text"))).Append("</a>");
                        }
                    }
                    break;
                default:
                    html.Append("<pre>").Append(E(TextOf(block, "text"))).Append("</pre>");
                    break;
            }
        }
    }

    private static string TextOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.Object && text.TryGetProperty("text", out var inner)
            ? inner.GetString() ?? ""
            : "";

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
