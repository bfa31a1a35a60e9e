using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Conduit.Storage.Migrations
{
    /// <inheritdoc />
    public partial class PartialExpiryIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_app_requests_Status_DueDate",
                table: "app_requests");

            migrationBuilder.CreateIndex(
                name: "IX_app_requests_DueDate_Undecided",
                table: "app_requests",
                column: "DueDate",
                filter: "\"Status\" IN ('Submitted', 'PendingApproval')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_app_requests_DueDate_Undecided",
                table: "app_requests");

            migrationBuilder.CreateIndex(
                name: "IX_app_requests_Status_DueDate",
                table: "app_requests",
                columns: new[] { "Status", "DueDate" });
        }
    }
}
