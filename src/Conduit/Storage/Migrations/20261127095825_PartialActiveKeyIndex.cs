using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Conduit.Storage.Migrations
{
    /// <inheritdoc />
    public partial class PartialActiveKeyIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_app_requests_ActiveKey",
                table: "app_requests");

            migrationBuilder.CreateIndex(
                name: "IX_app_requests_ActiveKey",
                table: "app_requests",
                column: "ActiveKey",
                unique: true,
                filter: "\"ActiveKey\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_app_requests_ActiveKey",
                table: "app_requests");

            migrationBuilder.CreateIndex(
                name: "IX_app_requests_ActiveKey",
                table: "app_requests",
                column: "ActiveKey",
                unique: true);
        }
    }
}
