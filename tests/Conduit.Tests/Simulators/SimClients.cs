using System.Net.Http.Headers;
using System.Text;
using Conduit.Simulators;

namespace Conduit.Tests.Simulators;

/// <summary>HttpClients for talking to the simulators the way an integration would: Basic auth, UEM's tenant code, JSON.</summary>
internal static class SimClients
{
    public static HttpClient Uem(UemSimulator uem, string? user = null, string? password = null, string? tenant = null)
    {
        var client = Basic(uem.BaseUrl, user ?? uem.Options.UserName, password ?? uem.Options.Password);
        client.DefaultRequestHeaders.Add("aw-tenant-code", tenant ?? uem.Options.TenantCode);
        return client;
    }

    public static HttpClient ServiceNow(ServiceNowSimulator sn, bool authenticated = true) =>
        authenticated ? Basic(sn.BaseUrl, sn.Options.UserName, sn.Options.Password) : new HttpClient { BaseAddress = sn.BaseUrl };

    private static HttpClient Basic(Uri baseUrl, string user, string password)
    {
        var client = new HttpClient { BaseAddress = baseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        return client;
    }
}
