using Conduit.Connectors;
using Conduit.Jobs;
using Conduit.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Conduit.AppApprovals;

/// <summary>Shared pieces of the app-approval jobs: loading the request, turning a dead job into Error.</summary>
public abstract class ApprovalJob(Lifecycle lifecycle, TimeProvider time) : IJobHandler
{
    public abstract string Kind { get; }
    public abstract string Target { get; }
    protected Lifecycle Lifecycle => lifecycle;
    protected TimeProvider Time => time;

    public abstract Task<JobResult> RunAsync(Job job, IServiceProvider scope, CancellationToken ct);

    /// <summary>A request whose outbound work failed for good ends in Error, with the reason in the timeline.</summary>
    public virtual async Task OnDeadAsync(ConduitDb db, Job job, string reason, CancellationToken ct)
    {
        if (job.RequestId is not { } id) return;
        var now = time.GetUtcNow();
        var moved = await lifecycle.MoveAsync(db, id,
            [AppRequestStatus.Submitted, AppRequestStatus.PendingApproval, AppRequestStatus.Approved, AppRequestStatus.InstallCommandDispatched],
            AppRequestStatus.Error, Target, reason, now, ct, [Lifecycle.Set(nameof(AppRequest.ErrorReason), reason)]);
        if (moved is not null)
        {
            await db.Jobs.Where(j => j.RequestId == id && j.Id != job.Id && j.Kind != JobKinds.NotifySlack).ExecuteDeleteAsync(ct);
        }
    }

    /// <summary>A connector that is not configured is not a failure of the call: the job waits (no attempt used, one
    /// timeline line) and saving the connector wakes it (<see cref="JobDbExtensions.WakeJobsWaitingForAsync"/>).</summary>
    protected JobResult WaitForConnector(string kind) =>
        JobResult.RunAgainAt(time.GetUtcNow() + TimeSpan.FromMinutes(1), JobDbExtensions.WaitingFor(kind));

    protected static JobResult FromFailure<T>(OutboundResult<T> r) =>
        r.Retryable ? JobResult.Retry(r.FailureReason!, r.RetryAfter) : JobResult.Fail(r.FailureReason!);

    /// <summary>Commits a transition together with the removal of the job that caused it.</summary>
    protected static async Task<JobResult> CompleteAsync(ConduitDb db, Job job, Func<ConduitDb, Task> effects, CancellationToken ct)
    {
        await db.WriteAsync(async (db, c) =>
        {
            await effects(db);
            await db.CompleteJobAsync(job, c);
        }, ct);
        return JobResult.Completed;
    }

    protected static Task<AppRequest?> LoadAsync(ConduitDb db, Job job, CancellationToken ct) =>
        job.RequestId is { } id ? Load(db, id, ct) : Task.FromResult<AppRequest?>(null);

    /// <summary>Compiled once: every job reads its request, and EF Core's per-call query pipeline showed in the profile.</summary>
    private static readonly Func<ConduitDb, Guid, CancellationToken, Task<AppRequest?>> Load =
        EF.CompileAsyncQuery((ConduitDb db, Guid id, CancellationToken ct) => db.AppRequests.AsNoTracking().FirstOrDefault(r => r.Id == id));
}

/// <summary>Submitted → PendingApproval: creates the ServiceNow ticket (DESIGN §3.1).</summary>
public sealed class CreateTicketJob(Lifecycle lifecycle, TimeProvider time, ServiceNowClient serviceNow, ConnectorStore connectors, PublicUrls urls)
    : ApprovalJob(lifecycle, time)
{
    public override string Kind => JobKinds.CreateTicket;
    public override string Target => "ServiceNow";
    public string? Connector => ConnectorKinds.ServiceNow;

    public override async Task<JobResult> RunAsync(Job job, IServiceProvider scope, CancellationToken ct)
    {
        var db = scope.GetRequiredService<ConduitDb>();
        var request = await LoadAsync(db, job, ct);
        if (request is null || request.Status.IsFinal()) return await CompleteAsync(db, job, _ => Task.CompletedTask, ct);
        if (await connectors.GetServiceNowAsync(db, ct) is not { } settings)
        {
            return WaitForConnector(ConnectorKinds.ServiceNow);
        }

        var result = await serviceNow.CreateApprovalTicketAsync(settings, ServiceNowPayload.Build(request, urls.CallbackUrl(request.Id)), ct);
        if (!result.Success) return FromFailure(result);

        var ticket = result.Value;
        var label = ticket?.Number ?? ticket?.SysId ?? "(no ticket number returned)";
        return await CompleteAsync(db, job, async db =>
        {
            var now = Time.GetUtcNow();
            var moved = await Lifecycle.MoveAsync(db, request.Id, [AppRequestStatus.Submitted], AppRequestStatus.PendingApproval, Target,
                $"ticket {label} created ({result.StatusCode}, {result.Elapsed.TotalMilliseconds:0} ms)", now, ct,
                [Lifecycle.Set(nameof(AppRequest.TicketNumber), ticket?.Number), Lifecycle.Set(nameof(AppRequest.TicketSysId), ticket?.SysId)],
                known: request.Status);
            if (moved is null)
            {
                // The decision overtook the ticket's answer (fast approvers, auto-approval): keep the ticket, add no transition.
                Prepared.Execute(db, "UPDATE app_requests SET TicketNumber = $0, TicketSysId = $1 WHERE Id = $2",
                    ticket?.Number, ticket?.SysId, Prepared.Text(request.Id));
                db.AddTimeline(request.Id, now, null, null, Target, $"ticket {label} created ({result.StatusCode})");
            }
        }, ct);
    }
}

/// <summary>Approved → InstallCommandDispatched: exactly one install command per request.</summary>
public sealed class InstallAppJob(Lifecycle lifecycle, TimeProvider time, UemClient uem, UemDeviceUuids deviceUuids, ConnectorStore connectors,
    IOptions<AppApprovalOptions> options) : ApprovalJob(lifecycle, time)
{
    public override string Kind => JobKinds.InstallApp;
    public override string Target => "UEM";
    public string? Connector => ConnectorKinds.Uem;

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    /// <summary>App id → internal/public/purchased, learned once per app rather than with up to three GETs per request.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _appTypes = new();

    public override async Task<JobResult> RunAsync(Job job, IServiceProvider scope, CancellationToken ct)
    {
        var db = scope.GetRequiredService<ConduitDb>();
        var request = await LoadAsync(db, job, ct);
        if (request is null || request.Status != AppRequestStatus.Approved) return await CompleteAsync(db, job, _ => Task.CompletedTask, ct);
        if (await connectors.GetUemAsync(db, ct) is not { } settings)
        {
            return WaitForConnector(ConnectorKinds.Uem);
        }

        var appType = request.AppType ?? _appTypes.GetValueOrDefault(request.AppId);
        var learned = "";
        if (appType is null)
        {
            var found = await uem.FindAppTypeAsync(settings, request.AppId, ct);
            if (!found.Success) return FromFailure(found);
            appType = found.Value!;
            learned = " (type looked up in UEM)";
            _appTypes[request.AppId] = appType;
        }

        // An earlier attempt may have reached UEM and died before recording it: a timeout in this process (the job was
        // retried), or a crash of an earlier one (the job is older than this process). Then ask UEM before sending again.
        // On the happy path nothing extra is read or written.
        if (job.Attempts > 0 || job.CreatedAt < _startedAt)
        {
            var existing = await PollInstallJob.ReadDeviceAppAsync(uem, deviceUuids, settings, request, ct);
            if (!existing.Success) return FromFailure(existing);
            if (existing.Value is { InstallCommandExists: true })
            {
                return await DispatchedAsync(db, job, request, appType, "install command already present on the device (found after a retry)", ct);
            }
        }

        var install = await uem.InstallAppAsync(settings, appType, request.AppId, request.DeviceId, ct);
        if (install.StatusCode == 404 && learned.Length == 0 && _appTypes.TryRemove(request.AppId, out _))
        {
            // The remembered type may be stale (the app was replaced): look it up again on the next attempt.
            return JobResult.Retry($"{install.FailureReason}; looking the app's type up again");
        }
        if (!install.Success) return FromFailure(install);
        return await DispatchedAsync(db, job, request, appType,
            $"install command for {appType} app {request.AppId}{learned} sent ({install.StatusCode}, {install.Elapsed.TotalMilliseconds:0} ms)", ct);
    }

    private Task<JobResult> DispatchedAsync(ConduitDb db, Job job, AppRequest request, string appType, string detail, CancellationToken ct) =>
        CompleteAsync(db, job, async db =>
        {
            var now = Time.GetUtcNow();
            if (await Lifecycle.MoveAsync(db, request.Id, [AppRequestStatus.Approved], AppRequestStatus.InstallCommandDispatched, Target, detail, now, ct,
                    // The guard (still Approved, as read) makes the read count + 1 the stored count + 1.
                    [Lifecycle.Set(nameof(AppRequest.AppType), appType), Lifecycle.Set(nameof(AppRequest.InstallAttempts), request.InstallAttempts + 1)],
                    known: request.Status) is not null)
            {
                // Due in InstallPollInterval: the dispatcher's regular look at the table finds it.
                db.EnqueueJob(JobKinds.PollInstall, request.Id, now + options.Value.InstallPollInterval, now);
            }
        }, ct);
}

/// <summary>InstallCommandDispatched → Installed: asks UEM every InstallPollInterval until the device reports the app.</summary>
public sealed class PollInstallJob(Lifecycle lifecycle, TimeProvider time, UemClient uem, UemDeviceUuids deviceUuids, ConnectorStore connectors,
    IOptions<AppApprovalOptions> options) : ApprovalJob(lifecycle, time)
{
    public override string Kind => JobKinds.PollInstall;
    public override string Target => "UEM";
    public string? Connector => ConnectorKinds.Uem;

    public override async Task<JobResult> RunAsync(Job job, IServiceProvider scope, CancellationToken ct)
    {
        var db = scope.GetRequiredService<ConduitDb>();
        var request = await LoadAsync(db, job, ct);
        if (request is null || request.Status != AppRequestStatus.InstallCommandDispatched) return await CompleteAsync(db, job, _ => Task.CompletedTask, ct);
        if (await connectors.GetUemAsync(db, ct) is not { } settings) return WaitForConnector(ConnectorKinds.Uem);

        var state = await ReadDeviceAppAsync(uem, deviceUuids, settings, request, ct);
        if (!state.Success) return FromFailure(state);
        var now = Time.GetUtcNow();
        if (state.Value is { IsInstalled: true })
        {
            return await CompleteAsync(db, job, db => Lifecycle.MoveAsync(db, request.Id, [AppRequestStatus.InstallCommandDispatched],
                AppRequestStatus.Installed, Target, "the device reported the app installed", now, ct,
                [Lifecycle.Set(nameof(AppRequest.DeviceUuid), request.DeviceUuid)], known: request.Status), ct);
        }
        if (state.Value is { InstallFailed: true })
        {
            return JobResult.Fail($"UEM reports the install failed on device {request.DeviceId} (InstallCommandFailed)");
        }
        if (now - request.UpdatedAt > options.Value.InstallTimeout)
        {
            return JobResult.Fail($"the device did not report the app installed within {options.Value.InstallTimeout}");
        }
        return JobResult.RunAgainAt(now + options.Value.InstallPollInterval,
            $"not installed yet ({state.Value?.InstalledStatus ?? "app not listed"}, {state.Value?.LatestUemAction ?? "no action"})");
    }

    /// <summary>Reads the app's state on the device, learning the device's UUID on first use.</summary>
    internal static async Task<OutboundResult<DeviceAppState>> ReadDeviceAppAsync(UemClient uem, UemDeviceUuids deviceUuids, UemSettings settings, AppRequest request, CancellationToken ct)
    {
        var deviceUuid = request.DeviceUuid ?? deviceUuids.Get(request.DeviceId);
        request.DeviceUuid = deviceUuid;
        if (deviceUuid is null)
        {
            var device = await uem.GetDeviceUuidAsync(settings, request.DeviceId, ct);
            if (!device.Success) return device.As<DeviceAppState>();
            if (string.IsNullOrEmpty(device.Value)) return device.As<DeviceAppState>() with { Success = false, Retryable = false, FailureReason = $"UEM returned device {request.DeviceId} without a Uuid" };
            deviceUuid = device.Value;
            deviceUuids.Set(request.DeviceId, deviceUuid); // kept with the request when it reaches Installed
            request.DeviceUuid = deviceUuid;
        }
        return await uem.GetDeviceAppAsync(settings, deviceUuid, request.AppName, request.PackageId, ct);
    }
}

/// <summary>Device id → UUID (UEM lists a device's apps by UUID): learned once per device, not once per poll.</summary>
public sealed class UemDeviceUuids
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, string> _byId = new();

    public string? Get(long deviceId) => _byId.GetValueOrDefault(deviceId);

    public void Set(long deviceId, string uuid) => _byId[deviceId] = uuid;
}
