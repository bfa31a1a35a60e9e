using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Conduit.AppApprovals;

namespace Conduit.Bench;

/// <summary>
/// `micro`: BenchmarkDotNet on the two hot functions of the hub's own that every request or callback runs, each
/// against a baseline measured in the same run (the ratio is the figure to compare across machines):
///  - intake: JsonDocument.Parse of an intake body + IntakeParser.Parse (field-by-field validation) against
///    JsonDocument.Parse alone;
///  - callback token: CallbackTokens.Verify (parse, base64url, HMAC-SHA256, constant-time compare) against one
///    HMACSHA256.HashData of the same 16 bytes.
/// In-process toolchain (no child project builds); `--smoke` runs BenchmarkDotNet's Dry job (one iteration), so CI
/// only proves the code runs. Last line: `micro: intake parse+validate X µs (R× JsonDocument.Parse) | callback token verify Y µs (S× one HMAC-SHA256)`.
/// </summary>
public static class MicroScenario
{
    public static Task<bool> RunAsync(BenchOptions options, CancellationToken ct)
    {
        Report.Header("micro", options.Smoke ? "BenchmarkDotNet, Dry job (smoke: proves it runs, numbers mean nothing)" : "BenchmarkDotNet, ShortRun job, in process");
        var job = (options.Smoke ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(job)
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "conduit-bench-micro"))
            .WithOptions(ConfigOptions.DisableLogFile);
        var intake = BenchmarkRunner.Run<IntakeParsing>(config);
        ct.ThrowIfCancellationRequested();
        var token = BenchmarkRunner.Run<CallbackTokenVerify>(config);

        var parse = MeanNs(intake, nameof(IntakeParsing.ParseOnly));
        var validate = MeanNs(intake, nameof(IntakeParsing.ParseAndValidate));
        var hmac = MeanNs(token, nameof(CallbackTokenVerify.OneHmac));
        var verify = MeanNs(token, nameof(CallbackTokenVerify.Verify));
        if (double.IsNaN(parse) || double.IsNaN(validate) || double.IsNaN(hmac) || double.IsNaN(verify))
        {
            Report.Failure("micro", "a benchmark produced no result (see BenchmarkDotNet's output above)");
            return Task.FromResult(false);
        }
        Report.Summary($"micro: intake parse+validate {Report.Ms(validate / 1000)} µs ({Report.F2(validate / parse)}× JsonDocument.Parse) | " +
                       $"callback token verify {Report.Ms(verify / 1000)} µs ({Report.F2(verify / hmac)}× one HMAC-SHA256)");
        return Task.FromResult(true);
    }

    private static double MeanNs(Summary summary, string method) =>
        summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method)?.ResultStatistics?.Mean ?? double.NaN;
}

public class IntakeParsing
{
    private byte[] _body = [];

    [GlobalSetup]
    public void Setup()
    {
        _body = Report.IntakeBody(deviceId: 4242, userId: 77);
        using var doc = JsonDocument.Parse(_body);
        if (IntakeParser.Parse(doc.RootElement).Request is null) throw new InvalidOperationException("the bench's intake body does not validate");
    }

    [Benchmark(Baseline = true)]
    public JsonValueKind ParseOnly()
    {
        using var doc = JsonDocument.Parse(_body);
        return doc.RootElement.ValueKind;
    }

    [Benchmark]
    public IntakeRequest? ParseAndValidate()
    {
        using var doc = JsonDocument.Parse(_body);
        return IntakeParser.Parse(doc.RootElement).Request;
    }
}

public class CallbackTokenVerify
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _id = Guid.NewGuid().ToByteArray();
    private CallbackTokens _tokens = null!;
    private string _token = "";

    [GlobalSetup]
    public void Setup()
    {
        _tokens = CallbackTokens.WithKey(_key);
        var id = Guid.NewGuid();
        _token = _tokens.Create(id);
        if (_tokens.Verify(_token) != id) throw new InvalidOperationException("a token did not verify");
    }

    [Benchmark(Baseline = true)]
    public byte[] OneHmac() => HMACSHA256.HashData(_key, _id);

    [Benchmark]
    public Guid? Verify() => _tokens.Verify(_token);
}
