using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Conduit.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace Conduit.Security;

/// <summary>
/// Data Protection's key ring (which encrypts the connector secrets) lives in the database, so a copy of the database
/// holds both the secrets and their keys. With <c>Conduit:DataProtection:CertificatePath</c> (a PKCS#12 file with its
/// private key, and <c>CertificatePassword</c>), keys are themselves encrypted with that certificate: the database
/// alone then reveals nothing, and every node needs the certificate file to start.
/// </summary>
public static class KeyRingProtection
{
    public const string CertificatePathKey = "Conduit:DataProtection:CertificatePath";
    public const string CertificatePasswordKey = "Conduit:DataProtection:CertificatePassword";

    public static IDataProtectionBuilder ProtectKeysIfConfigured(this IDataProtectionBuilder dp, IConfiguration configuration)
    {
        var path = configuration[CertificatePathKey];
        if (string.IsNullOrWhiteSpace(path)) return dp;
        var certificate = Load(path, configuration[CertificatePasswordKey]);
        // Unprotect with this certificate object, not by thumbprint from the OS store (there is none on Linux).
        return dp.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
    }

    private static X509Certificate2 Load(string path, string? password)
    {
        if (!File.Exists(path))
        {
            throw new StartupException($"Conduit__DataProtection__CertificatePath: no file at {Path.GetFullPath(path)}.");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException ex)
        {
            throw new StartupException($"Conduit__DataProtection__CertificatePath: {path} could not be read as a PKCS#12 (.pfx) file " +
                                       $"with the given Conduit__DataProtection__CertificatePassword ({ex.Message.TrimEnd('.')}).");
        }
        using var rsa = certificate.HasPrivateKey ? certificate.GetRSAPrivateKey() : null;
        if (rsa is null)
        {
            throw new StartupException($"Conduit__DataProtection__CertificatePath: {path} has no RSA private key; the key ring needs one to decrypt its keys.");
        }
        return certificate;
    }
}
