using System.Globalization;

namespace Conduit.Simulators;

/// <summary>
/// Deterministic tenant data. Devices and users are computed from (seed, id) on demand so a
/// million-device tenant costs nothing; their Uuid/Udid/serial embed the id (masked) so a lookup
/// by any identifier is a decode plus a regenerate-and-compare, not a scan.
/// </summary>
internal sealed class UemCatalogue
{
    private static readonly string[] FirstNames = ["Abel", "Beth", "Carlos", "Dana", "Emeka", "Fatima", "Goran", "Hana", "Ivan", "Julia", "Kenji", "Lena"];
    private static readonly string[] LastNames = ["Tuter", "Anderson", "Nguyen", "Okafor", "Schmidt", "Rossi", "Kowalski", "Tanaka", "Silva", "Haddad"];

    private readonly UemSimulatorOptions _options;
    private readonly ulong _seed;

    public UemCatalogue(UemSimulatorOptions options)
    {
        _options = options;
        _seed = (ulong)(uint)options.Seed * 0x9E3779B97F4A7C15UL + 1;
        Apps =
        [
            MakeApp(101, "Adobe Acrobat Pro", "Internal", "{AC76BA86-1033-1033-7760-BC15014EA700}", "24.4.20220", true),
            MakeApp(102, "Autodesk AutoCAD", "Internal", "{28B89EEF-8101-0409-2102-CF3F3A09B77D}", "25.0.58.0", true),
            MakeApp(201, "Microsoft Visio", "Public", "{90160000-0051-0000-1000-0000000FF1CE}", "16.0.17928.20156", true),
            MakeApp(301, "Tableau Desktop", "Purchased", "{12345A78-40C1-2702-0000-000004000000}", "2024.2.0", true),
            MakeApp(401, "7-Zip", "Public", "{23170F69-40C1-2702-2409-000001000000}", "24.09.00.0", false),
        ];
    }

    public IReadOnlyList<UemApp> Apps { get; }

    public UemApp? FindApp(int id) => Apps.FirstOrDefault(a => a.Id == id);

    public UemApp? FindAppByUuid(string uuid) => Apps.FirstOrDefault(a => string.Equals(a.Uuid, uuid, StringComparison.OrdinalIgnoreCase));

    public UemDevice GetDevice(int id)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, _options.DeviceCount);
        var userId = ((id - 1) % Math.Max(1, _options.UserCount)) + 1;
        var user = GetUser(userId);
        return new UemDevice(
            id,
            Uuid: MakeUuid(kind: 1, id),
            Udid: $"{Hash(2, id):X16}{Hash(3, id) & 0xFFFFFFFF:X8}{(uint)id ^ Mask(4):X8}",
            SerialNumber: $"5CG{(uint)id ^ Mask(5):X8}",
            FriendlyName: $"WIN-LAPTOP-{id:D6}",
            Platform: "WinRT",
            OperatingSystem: "Windows 11",
            UserId: userId,
            UserName: user.UserName);
    }

    public UemUser GetUser(int id)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, _options.UserCount);
        var first = FirstNames[(int)(Hash(6, id) % (ulong)FirstNames.Length)];
        var last = LastNames[(int)(Hash(7, id) % (ulong)LastNames.Length)];
        return new UemUser(id, MakeUuid(kind: 8, id), $"user{id:D3}", first, last, $"user{id}@example.com");
    }

    public UemDevice? FindDeviceByUuid(string uuid)
    {
        if (uuid.Length != 36 || !uint.TryParse(uuid.AsSpan(28), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var masked))
        {
            return null;
        }
        return Confirm((int)(masked ^ Mask(1)), d => string.Equals(d.Uuid, uuid, StringComparison.OrdinalIgnoreCase));
    }

    public UemDevice? FindDeviceByUdid(string udid)
    {
        if (udid.Length != 32 || !uint.TryParse(udid.AsSpan(24), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var masked))
        {
            return null;
        }
        return Confirm((int)(masked ^ Mask(4)), d => string.Equals(d.Udid, udid, StringComparison.OrdinalIgnoreCase));
    }

    public UemDevice? FindDeviceBySerial(string serial)
    {
        if (serial.Length != 11 || !uint.TryParse(serial.AsSpan(3), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var masked))
        {
            return null;
        }
        return Confirm((int)(masked ^ Mask(5)), d => string.Equals(d.SerialNumber, serial, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Decodes user{id} and confirms it, instead of scanning every user.</summary>
    public UemUser? FindUserByName(string userName)
    {
        if (!userName.StartsWith("user", StringComparison.OrdinalIgnoreCase)
            || !int.TryParse(userName.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || id < 1 || id > _options.UserCount)
        {
            return null;
        }
        var user = GetUser(id);
        return string.Equals(user.UserName, userName, StringComparison.OrdinalIgnoreCase) ? user : null;
    }

    public UemDevice? FindDevice(int id) => id >= 1 && id <= _options.DeviceCount ? GetDevice(id) : null;

    private UemDevice? Confirm(int id, Func<UemDevice, bool> matches) =>
        FindDevice(id) is { } device && matches(device) ? device : null;

    private UemApp MakeApp(int id, string name, string type, string bundleId, string version, bool requiresApproval) =>
        new(id, MakeUuid(kind: 9, id), name, type, bundleId, version, requiresApproval);

    // Version-4-looking UUID whose last 8 hex digits carry the masked id.
    private string MakeUuid(int kind, int id)
    {
        var a = Hash(kind * 16 + 1, id);
        var b = Hash(kind * 16 + 2, id);
        return string.Create(CultureInfo.InvariantCulture,
            $"{a >> 32:x8}-{(a >> 16) & 0xFFFF:x4}-4{a & 0xFFF:x3}-{0x8000 | (b >> 48) & 0x3FFF:x4}-{(b >> 32) & 0xFFFF:x4}{(uint)id ^ Mask(kind):x8}");
    }

    private uint Mask(int kind) => (uint)(Hash(kind * 16 + 3, 0) & 0x7FFFFFFF);

    private ulong Hash(int kind, int id)
    {
        // SplitMix64 over (seed, kind, id): cheap, stable across runtimes (unlike string.GetHashCode).
        var z = _seed + (ulong)(uint)kind * 0xBF58476D1CE4E5B9UL + (ulong)(uint)id * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
