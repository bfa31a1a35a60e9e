using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Conduit.Simulators;
using Conduit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Conduit.Tests.Connectors;

/// <summary>With Conduit:DataProtection:CertificatePath the key ring's keys are encrypted with that certificate: the
/// database alone no longer holds a usable key, and a start without the certificate cannot read the secrets.</summary>
public sealed class KeyRingCertificateTests
{
    [Fact]
    public async Task Keys_are_encrypted_with_the_configured_certificate_and_the_secrets_need_it_to_start()
    {
        await using var uem = new UemSimulator();
        await uem.StartAsync();
        var dir = Directory.CreateTempSubdirectory("conduit-keycert-").FullName;
        var pfx = Path.Combine(dir, "keyring.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=Conduit key ring (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(pfx, cert.Export(X509ContentType.Pkcs12, "pfx-Pa55"));
        }
        void WithCertificate(Dictionary<string, string?> s)
        {
            s["Conduit:DataProtection:CertificatePath"] = pfx;
            s["Conduit:DataProtection:CertificatePassword"] = "pfx-Pa55";
        }

        await using (var hub = await TestHub.StartAsync(WithCertificate, dataDir: dir))
        {
            await hub.ConfigureConnectorsAsync(uem, null);
        }
        var keys = KeyXml(dir);
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("EncryptedData", xml);       // the master key is wrapped with the certificate …
            Assert.DoesNotContain("<value>", xml);       // … and not stored as plain base64
        });

        // With the certificate: starts and reads the stored secrets (the UEM connection check logs in with them).
        await using (var again = await TestHub.StartAsync(WithCertificate, dataDir: dir))
        {
            var test = await again.Admin.PostAsync("/api/v1/connectors/uem/test", null);
            Assert.Equal(System.Net.HttpStatusCode.OK, test.StatusCode);
            Assert.True((await test.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["ok"]!.GetValue<bool>());
        }

        // Without it: the secrets cannot be decrypted, and the start says so.
        var startup = await TestHub.StartupFailureAsync(dataDir: dir);
        Assert.Contains("cannot be decrypted", startup.Message);
        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData("missing.pfx", "no file at")]
    [InlineData("garbage.pfx", "could not be read as a PKCS#12")]
    public async Task A_certificate_that_cannot_be_used_stops_the_start_with_a_message(string file, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("conduit-keycert-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "garbage.pfx"), "not a certificate");
        var startup = await TestHub.StartupFailureAsync(s => s["Conduit:DataProtection:CertificatePath"] = Path.Combine(dir, file), dir);
        Assert.Contains(expected, startup.Message);
        Assert.Contains("Conduit__DataProtection__CertificatePath", startup.Message);
        Directory.Delete(dir, recursive: true);
    }

    private static List<string> KeyXml(string dir)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "conduit.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT Xml FROM DataProtectionKeys";
        using var reader = cmd.ExecuteReader();
        var all = new List<string>();
        while (reader.Read()) all.Add(reader.GetString(0));
        return all;
    }
}
