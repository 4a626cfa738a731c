"""The staff back office for loyalty: programs with their tiers, members with their ledger, and the ledger on
its own. All read-only — programs change through the API's services (one active per account, members'
tiers following), and ledger rows are never edited or deleted; the actions switch programs on or off through
the same service as the API."""

from django.contrib import admin, messages

from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin
from omnisales.api.errors import ApplicationError

from ..models import LoyaltyMember, LoyaltyProgram, LoyaltyTier, PointsTransaction
from ..services import points as services

LEDGER_FIELDS = ["id", "kind", "points", "balance_after", "order", "note", "remaining", "expires_at", "created_at"]


class TierInline(ReadOnlyInline):
    model = LoyaltyTier
    fields = ["id", "name", "threshold", "multiplier"]
    readonly_fields = fields
    ordering = ["threshold"]


@admin.register(LoyaltyProgram)
class LoyaltyProgramAdmin(ReadOnlyModelAdmin):
    list_display = [
        "name",
        "active",
        "points_per_currency_unit",
        "point_value",
        "minimum_redemption",
        "expiry_months",
        "tier_basis",
        "account",
        "created_at",
    ]
    list_filter = ["account", "active", "tier_basis", "created_at"]
    search_fields = ["id", "name", "account__name"]
    list_select_related = ["account"]
    inlines = [TierInline]
    actions = ["activate", "deactivate"]

    def has_switch_permission(self, request):
        return request.user.has_perm("loyalty.change_loyaltyprogram")

    def _switch(self, request, queryset, *, active: bool) -> None:
        done, failed = 0, []
        for program in queryset.order_by("pk"):
            try:
                services.loyalty_program_update(program=program, changes={"active": active})
            except ApplicationError as exc:  # another program of the account is active
                failed.append(f"{program.name} ({exc.message})")
            else:
                done += 1
        if done:
            switched = "activated" if active else "deactivated"
            self.message_user(request, f"{done} program(s) {switched}.", messages.SUCCESS)
        if failed:
            self.message_user(request, f"Not changed: {', '.join(failed)}", messages.WARNING)

    @admin.action(description="Activate selected programs", permissions=["switch"])
    def activate(self, request, queryset):
        self._switch(request, queryset, active=True)

    @admin.action(description="Deactivate selected programs", permissions=["switch"])
    def deactivate(self, request, queryset):
        self._switch(request, queryset, active=False)


class LedgerInline(ReadOnlyInline):
    model = PointsTransaction
    fields = LEDGER_FIELDS
    readonly_fields = fields
    ordering = ["-created_at", "-id"]


@admin.register(LoyaltyMember)
class LoyaltyMemberAdmin(ReadOnlyModelAdmin):
    list_display = ["customer", "points_balance", "tier", "lifetime_points", "lifetime_spend", "account", "created_at"]
    list_filter = ["account", "tier", "created_at"]
    search_fields = ["id", "customer__id", "customer__name", "customer__email"]
    list_select_related = ["account", "customer", "tier"]
    inlines = [LedgerInline]


@admin.register(PointsTransaction)
class PointsTransactionAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "member", "kind", "points", "balance_after", "order", "remaining", "account", "created_at"]
    list_filter = ["account", "kind", "created_at"]
    search_fields = ["id", "member__customer__name", "member__customer__email", "order__id", "note"]
    list_select_related = ["account", "member"]
    date_hierarchy = "created_at"
