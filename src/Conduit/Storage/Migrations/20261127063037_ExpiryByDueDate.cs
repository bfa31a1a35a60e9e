using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Conduit.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ExpiryByDueDate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_app_requests_Status_DueDate",
                table: "app_requests",
                columns: new[] { "Status", "DueDate" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_app_requests_Status_DueDate",
                table: "app_requests");
        }
    }
}
