using System.Globalization;

namespace Conduit.Simulators;

/// <summary>Table data behind the Table API: sc_request (the tickets), incident and a seeded sys_user.</summary>
public sealed partial class ServiceNowSimulator
{
    private static readonly string[] ReadOnlyFields = ["sys_id", "number", "sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count", "sys_class_name"];

    private static readonly string[] IncidentFields =
    [
        "sys_id", "number", "short_description", "description", "caller_id", "category", "subcategory", "contact_type",
        "impact", "urgency", "priority", "state", "incident_state", "hold_reason", "active", "approval", "assignment_group",
        "assigned_to", "cmdb_ci", "opened_by", "opened_at", "severity", "close_code", "close_notes", "sys_created_on",
        "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count", "sys_class_name", "sys_domain",
    ];

    private static readonly string[] UserFields =
    [
        "sys_id", "user_name", "first_name", "last_name", "name", "email", "title", "department", "active", "locked_out",
        "sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count", "sys_class_name", "sys_domain",
    ];

    private readonly Random _tableRandom = new(1613);
    private readonly List<Dictionary<string, string>> _incidents = [];
    private readonly List<Dictionary<string, string>> _users = [];
    private int _nextIncident = 10001;

    /// <summary>Tables the simulated Table API serves.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["sc_request", "incident", "sys_user"];

    /// <summary>sys_id of the integration user's sys_user row.</summary>
    public string IntegrationUserSysId => UserRows()[0]["sys_id"];

    /// <summary>Snapshot of a table's rows as the Table API stores them (every value a string).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> TableRows(string table) => Snapshot(table)
        ?? throw new ArgumentException($"Invalid table {table}", nameof(table));

    // servicenow-and-slack.md §2.2/§6: reference fields, rendered as {"link","value"} unless excluded.
    private static bool IsReference(string table, string field) => (table, field) switch
    {
        ("sc_request", "requested_for") => true,
        ("incident", "caller_id" or "assigned_to" or "opened_by") => true,
        _ => false,
    };

    private List<IReadOnlyDictionary<string, string>>? Snapshot(string table)
    {
        switch (table)
        {
            case "sc_request":
                return Tickets.Select(t => (IReadOnlyDictionary<string, string>)Record(t)).ToList();
            case "incident":
                lock (_gate)
                {
                    return _incidents.Select(r => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(r)).ToList();
                }
            case "sys_user":
                return UserRows().Select(r => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(r)).ToList();
            default:
                return null;
        }
    }

    private List<Dictionary<string, string>> UserRows()
    {
        lock (_gate)
        {
            if (_users.Count == 0)
            {
                var integration = Options.UserName;
                (string UserName, string First, string Last, string Title)[] seed =
                [
                    (integration, "Conduit", "Integration", "Integration user"),
                    ("approver.admin", "Approver", "Admin", "IT Asset Manager"),
                    ("abel.tuter", "Abel", "Tuter", "Software Engineer"),
                    ("beth.anglin", "Beth", "Anglin", "Service Desk Manager"),
                    ("david.miller", "David", "Miller", "Finance Analyst"),
                    ("fred.luddy", "Fred", "Luddy", "Founder"),
                ];
                foreach (var (userName, first, last, title) in seed)
                {
                    var row = NewRow("sys_user", integration);
                    row["user_name"] = userName;
                    row["first_name"] = first;
                    row["last_name"] = last;
                    row["name"] = first + " " + last;
                    row["email"] = userName + "@example.com";
                    row["title"] = title;
                    row["department"] = "";
                    row["active"] = "true";
                    row["locked_out"] = "false";
                    _users.Add(row);
                }
            }
            return _users;
        }
    }

    private string UserDisplayName(string sysId) =>
        UserRows().FirstOrDefault(u => u["sys_id"] == sysId)?["name"] ?? sysId;

    private Dictionary<string, string> NewRow(string table, string user)
    {
        var now = SnTime(Options.TimeProvider.GetUtcNow());
        Span<byte> bytes = stackalloc byte[16];
        lock (_gate)
        {
            _tableRandom.NextBytes(bytes);
        }
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sys_id"] = Convert.ToHexStringLower(bytes),
            ["sys_created_on"] = now,
            ["sys_created_by"] = user,
            ["sys_updated_on"] = now,
            ["sys_updated_by"] = user,
            ["sys_mod_count"] = "0",
            ["sys_class_name"] = table,
            ["sys_domain"] = "global",
        };
    }

    private IReadOnlyDictionary<string, string>? FindRow(string table, string sysId) =>
        Snapshot(table)?.FirstOrDefault(r => r.TryGetValue("sys_id", out var id) && id == sysId);

    // §2.1: POST inserts one record; unknown and sys_* fields are ignored.
    private IReadOnlyDictionary<string, string> Insert(string table, IReadOnlyDictionary<string, string> values, string user)
    {
        if (table == "sc_request")
        {
            return Record(InsertTicket(values, user));
        }
        var row = NewRow(table, user);
        var fields = table == "incident" ? IncidentFields : UserFields;
        foreach (var field in fields)
        {
            row.TryAdd(field, "");
        }
        if (table == "incident")
        {
            // §6: new incidents are state 1 (New), active, not requested; impact/urgency default 3 (Low).
            row["state"] = row["incident_state"] = "1";
            row["active"] = "true";
            row["approval"] = "not requested";
            row["impact"] = row["urgency"] = "3";
            row["category"] = "inquiry";
            row["opened_by"] = IntegrationUserSysId;
            row["opened_at"] = row["sys_created_on"];
        }
        Write(table, row, values);
        lock (_gate)
        {
            if (table == "incident")
            {
                row["number"] = "INC" + (_nextIncident++).ToString("D7", CultureInfo.InvariantCulture);
                _incidents.Add(row);
            }
            else
            {
                _users.Add(row);
            }
            return new Dictionary<string, string>(row);
        }
    }

    private ServiceNowTicket InsertTicket(IReadOnlyDictionary<string, string> values, string user)
    {
        string Get(string field) => values.TryGetValue(field, out var v) ? v : "";
        var now = DateTimeOffset.UtcNow;
        var sysId = NewRow("sc_request", user)["sys_id"];
        ServiceNowTicket ticket;
        lock (_gate)
        {
            ticket = new ServiceNowTicket
            {
                SysId = sysId,
                Number = "REQ" + (_nextNumber++).ToString("D7", CultureInfo.InvariantCulture),
                ShortDescription = Get("short_description"),
                Description = Get("description"),
                UUemCallbackUrl = Truncate(Get("u_uem_callback_url"), 2048),
                UUemDeviceId = long.TryParse(Get("u_uem_device_id"), CultureInfo.InvariantCulture, out var device) ? device : 0,
                UUemRequestId = Truncate(Get("u_uem_request_id"), 40),
                UUemUserId = long.TryParse(Get("u_uem_user_id"), CultureInfo.InvariantCulture, out var uid) ? uid : null,
                URequestingUser = Truncate(Get("u_requesting_user"), 40),
                UUemNotes = Truncate(Get("u_uem_notes"), 4000),
                OpenedAt = now,
                UpdatedAt = now,
                UpdatedBy = user,
            };
            _tickets.Add(ticket);
        }
        var template = Record(ticket);
        lock (ticket.Gate)
        {
            foreach (var (field, value) in values)
            {
                if (field == "approval" && value is "requested" or "approved" or "rejected" or "not requested")
                {
                    ticket.Approval = value;
                }
                else if (field == "request_state")
                {
                    ticket.RequestState = value;
                }
                else if (template.ContainsKey(field) && !ReadOnlyFields.Contains(field) && !field.StartsWith("u_uem", StringComparison.Ordinal)
                         && field is not ("short_description" or "description" or "u_requesting_user"))
                {
                    ticket.Extra[field] = value;
                }
            }
        }
        return ticket;
    }

    // §2.1: PATCH/PUT update only the fields sent. §9.9 / seed flow: an approval decision on sc_request
    // runs the same flow as DecideAsync (callback to u_uem_callback_url).
    private IReadOnlyDictionary<string, string>? Update(string table, string sysId, IReadOnlyDictionary<string, string> values, string user)
    {
        if (table == "sc_request")
        {
            var ticket = Tickets.FirstOrDefault(t => t.SysId == sysId);
            if (ticket is null)
            {
                return null;
            }
            var decided = values.TryGetValue("approval", out var approval) && approval is "approved" or "rejected" && ticket.Approval == "requested";
            if (decided)
            {
                var notes = values.TryGetValue("comments", out var c) ? c : "";
                var flow = DecideAsync(sysId, approval == "approved", user, notes); // the state changes before its first await
                _ = flow.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            var template = Record(ticket);
            lock (ticket.Gate)
            {
                foreach (var (field, value) in values)
                {
                    if (field == "approval")
                    {
                        if (!decided && value is "requested" or "approved" or "rejected" or "not requested")
                        {
                            ticket.Approval = value;
                        }
                    }
                    else if (field == "request_state")
                    {
                        ticket.RequestState = value;
                    }
                    else if (template.ContainsKey(field) && !ReadOnlyFields.Contains(field))
                    {
                        ticket.Extra[field] = value;
                    }
                }
                ticket.UpdatedAt = DateTimeOffset.UtcNow;
                ticket.UpdatedBy = user;
            }
            return Record(ticket);
        }
        lock (_gate)
        {
            var rows = table == "incident" ? _incidents : UserRows();
            var row = rows.FirstOrDefault(r => r["sys_id"] == sysId);
            if (row is null)
            {
                return null;
            }
            Write(table, row, values);
            row["sys_updated_on"] = SnTime(Options.TimeProvider.GetUtcNow());
            row["sys_updated_by"] = user;
            row["sys_mod_count"] = (int.Parse(row["sys_mod_count"], CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
            return new Dictionary<string, string>(row);
        }
    }

    private static void Write(string table, Dictionary<string, string> row, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (field, value) in values)
        {
            if (row.ContainsKey(field) && !ReadOnlyFields.Contains(field) && !(table == "incident" && field == "priority"))
            {
                row[field] = value;
            }
        }
        if (table == "incident")
        {
            // §6: priority is read-only, computed from impact × urgency (1/1→1 … 3/3→5).
            var impact = int.TryParse(row["impact"], CultureInfo.InvariantCulture, out var i) ? Math.Clamp(i, 1, 3) : 3;
            var urgency = int.TryParse(row["urgency"], CultureInfo.InvariantCulture, out var u) ? Math.Clamp(u, 1, 3) : 3;
            row["priority"] = (impact + urgency - 1).ToString(CultureInfo.InvariantCulture);
        }
        else if (table == "sys_user")
        {
            row["name"] = (row["first_name"] + " " + row["last_name"]).Trim();
        }
    }

    private bool Delete(string table, string sysId)
    {
        lock (_gate)
        {
            return table switch
            {
                "sc_request" => _tickets.RemoveAll(t => t.SysId == sysId) > 0,
                "incident" => _incidents.RemoveAll(r => r["sys_id"] == sysId) > 0,
                _ => _users.RemoveAll(r => r["sys_id"] == sysId) > 0,
            };
        }
    }
}
