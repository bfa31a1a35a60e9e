using Conduit.AppApprovals;

namespace Conduit.Tests.Unit;

public sealed class LifecycleViewsTests
{
    // DESIGN §2: every canonical state maps to exactly one string of each view (the spec's exact strings).
    [Theory]
    [InlineData(AppRequestStatus.Submitted, "Pending Approval", "Pending", false)]
    [InlineData(AppRequestStatus.PendingApproval, "Pending Approval", "Pending", false)]
    [InlineData(AppRequestStatus.Approved, "Pending Approval", "Installing", false)]
    [InlineData(AppRequestStatus.InstallCommandDispatched, "Install Command Dispatched", "Installing", false)]
    [InlineData(AppRequestStatus.Installed, "Installed", "Installed", true)]
    [InlineData(AppRequestStatus.Rejected, "Rejected", "Request", true)]
    [InlineData(AppRequestStatus.Expired, "Expired", "Request", true)]
    [InlineData(AppRequestStatus.Error, "Error", "Request", true)]
    public void Each_status_maps_to_the_spec_strings(AppRequestStatus status, string uem, string hub, bool final)
    {
        Assert.Equal(uem, status.UemStatus());
        Assert.Equal(hub, status.HubStatus());
        Assert.Equal(final, status.IsFinal());
    }

    [Fact]
    public void Every_status_is_covered_by_the_table_above() =>
        Assert.Equal(8, Enum.GetValues<AppRequestStatus>().Length);
}
