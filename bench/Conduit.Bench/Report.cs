using System.Globalization;
using System.Text;

namespace Conduit.Bench;

/// <summary>Number formatting (invariant culture) and the scenario headers and summary lines.</summary>
public static class Report
{
    public static string F0(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0", CultureInfo.InvariantCulture);
    public static string F1(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0", CultureInfo.InvariantCulture);
    public static string F2(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds with sensible precision: 0.84, 12.3, 154.</summary>
    public static string Ms(double v) => double.IsNaN(v) ? "n/a" : v < 10 ? F2(v) : v < 100 ? F1(v) : F0(v);

    public static void Header(string scenario, string what) => Console.WriteLine($"== {scenario}: {what}");

    public static void Detail(string text) => Console.WriteLine("  " + text);

    /// <summary>The one plain summary line a scenario ends with.</summary>
    public static void Summary(string line) => Console.WriteLine(line);

    public static void Failure(string scenario, string why) => Console.Error.WriteLine($"{scenario}: FAILED: {why}");

    /// <summary>A minimal JSON body for intake (DESIGN §3.3), unique user and device per i; the hub does not check UEM at intake.</summary>
    public static byte[] IntakeBody(long deviceId, long userId, int appId = 101)
    {
        var json = string.Create(CultureInfo.InvariantCulture, $$$"""
            {"RequestFor":{"UserId":"{{{userId}}}","UserAttributes":{"user_name":"bench{{{userId}}}","last_name":"Load","first_name":"Bench","email":"bench{{{userId}}}@example.com"}},
            "Domain":"ACME","DeviceId":{{{deviceId}}},"DeviceProperties":{"name":"WIN-LAPTOP-{{{deviceId:D6}}}","device_udid":"{{{deviceId:X32}}}","platform":"Windows 10"},
            "Notes":"Need it for the Q3 budget","CatalogItem":{"Id":"{{{appId}}}","Name":"Adobe Acrobat Pro","Categories":null,
            "Properties":{"package_id":"{AC76BA86-1033-1033-7760-BC15014EA700}","version":"24.4.20220","platform":"WinRT"} } }
            """);
        return Encoding.UTF8.GetBytes(json);
    }
}
