using System.Globalization;

namespace Conduit.Simulators;

/// <summary>
/// A ServiceNow encoded query (servicenow-and-slack.md §2.2): conditions joined by <c>^</c> (AND) and
/// <c>^OR</c> (OR, binding tighter than AND), plus <c>ORDERBY</c>/<c>ORDERBYDESC</c>. Parts it does not
/// understand (and conditions on fields the table lacks) are ignored, as on a stock instance.
/// </summary>
internal sealed class EncodedQuery
{
    // Longest first where one operator is a prefix of another.
    private static readonly string[] Operators = ["!=", "STARTSWITH", "ENDSWITH", "NOT LIKE", "LIKE", "ISNOTEMPTY", "ISEMPTY", "NOT IN", "IN", ">=", "<=", "=", ">", "<"];

    private readonly List<List<Condition>> _groups = [];
    private readonly List<(string Field, bool Descending)> _order = [];

    /// <summary>Parses <paramref name="query"/>; null or empty matches everything.</summary>
    public static EncodedQuery Parse(string? query)
    {
        var parsed = new EncodedQuery();
        foreach (var part in (query ?? "").Split('^', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("ORDERBYDESC", StringComparison.Ordinal))
            {
                parsed._order.Add((part[11..], true));
            }
            else if (part.StartsWith("ORDERBY", StringComparison.Ordinal))
            {
                parsed._order.Add((part[7..], false));
            }
            else if (part.StartsWith("OR", StringComparison.Ordinal) && parsed._groups.Count > 0)
            {
                if (ParseCondition(part[2..]) is { } alternative)
                {
                    parsed._groups[^1].Add(alternative);
                }
            }
            else if (part is not "EQ" && !part.StartsWith("NQ", StringComparison.Ordinal) && ParseCondition(part) is { } condition)
            {
                parsed._groups.Add([condition]);
            }
        }
        return parsed;
    }

    /// <summary>Builds a query from name=value request parameters (the alternative to sysparm_query).</summary>
    public static EncodedQuery FromPairs(IEnumerable<KeyValuePair<string, string>> pairs) =>
        Parse(string.Join('^', pairs.Select(p => p.Key + "=" + p.Value)));

    /// <summary>Filters and orders rows (stable: rows keep their order among equals).</summary>
    public List<IReadOnlyDictionary<string, string>> Apply(IEnumerable<IReadOnlyDictionary<string, string>> rows)
    {
        var matches = rows.Where(Matches);
        if (_order.Count == 0)
        {
            return matches.ToList();
        }
        IOrderedEnumerable<IReadOnlyDictionary<string, string>>? ordered = null;
        foreach (var (field, descending) in _order)
        {
            Func<IReadOnlyDictionary<string, string>, string> key = r => r.GetValueOrDefault(field) ?? "";
            ordered = (ordered, descending) switch
            {
                (null, false) => matches.OrderBy(key, ValueComparer.Instance),
                (null, true) => matches.OrderByDescending(key, ValueComparer.Instance),
                (_, false) => ordered.ThenBy(key, ValueComparer.Instance),
                (_, true) => ordered.ThenByDescending(key, ValueComparer.Instance),
            };
        }
        return ordered!.ToList();
    }

    private bool Matches(IReadOnlyDictionary<string, string> row) =>
        _groups.All(group => group.Any(c => c.Matches(row)));

    private static Condition? ParseCondition(string part)
    {
        var end = 0;
        // Field names are lower case, operators upper case: that is where the name ends.
        while (end < part.Length && (char.IsAsciiLetterLower(part[end]) || char.IsAsciiDigit(part[end]) || part[end] is '_' or '.'))
        {
            end++;
        }
        if (end == 0)
        {
            return null;
        }
        var rest = part.AsSpan(end);
        foreach (var op in Operators)
        {
            if (rest.StartsWith(op, StringComparison.Ordinal))
            {
                return new Condition(part[..end], op, rest[op.Length..].ToString());
            }
        }
        return null;
    }

    private sealed record Condition(string Field, string Operator, string Value)
    {
        public bool Matches(IReadOnlyDictionary<string, string> row)
        {
            if (!row.TryGetValue(Field, out var actual))
            {
                return true; // an unknown field: the part is ignored
            }
            return Operator switch
            {
                "=" => string.Equals(actual, Value, StringComparison.Ordinal),
                "!=" => !string.Equals(actual, Value, StringComparison.Ordinal),
                "LIKE" => actual.Contains(Value, StringComparison.OrdinalIgnoreCase),
                "NOT LIKE" => !actual.Contains(Value, StringComparison.OrdinalIgnoreCase),
                "STARTSWITH" => actual.StartsWith(Value, StringComparison.OrdinalIgnoreCase),
                "ENDSWITH" => actual.EndsWith(Value, StringComparison.OrdinalIgnoreCase),
                "ISEMPTY" => actual.Length == 0,
                "ISNOTEMPTY" => actual.Length > 0,
                "IN" => Value.Split(',').Contains(actual, StringComparer.Ordinal),
                "NOT IN" => !Value.Split(',').Contains(actual, StringComparer.Ordinal),
                ">" => ValueComparer.Instance.Compare(actual, Value) > 0,
                ">=" => ValueComparer.Instance.Compare(actual, Value) >= 0,
                "<" => ValueComparer.Instance.Compare(actual, Value) < 0,
                "<=" => ValueComparer.Instance.Compare(actual, Value) <= 0,
                _ => true,
            };
        }
    }

    /// <summary>Numbers compare as numbers, everything else ordinally (datetimes are sortable text).</summary>
    private sealed class ValueComparer : IComparer<string>
    {
        public static readonly ValueComparer Instance = new();

        public int Compare(string? x, string? y) =>
            decimal.TryParse(x, NumberStyles.Number, CultureInfo.InvariantCulture, out var a)
            && decimal.TryParse(y, NumberStyles.Number, CultureInfo.InvariantCulture, out var b)
                ? a.CompareTo(b)
                : string.CompareOrdinal(x, y);
    }
}
