"""The staff back office for discount codes: read-only rows (codes change through the API's services, uses only
through orders), filtered by account first, with their redemptions; the actions switch codes on or off through
the same service as the API."""

from django.contrib import admin, messages
from django.utils import timezone

from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin

from ..models import DiscountCode, DiscountRedemption
from ..selectors import discounts as selectors
from ..services import discounts as services


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(value, value.capitalize()) for value, _ in selectors.CodeStatus.CHOICES]

    def queryset(self, request, queryset):
        if self.value() in dict(selectors.CodeStatus.CHOICES):
            return selectors.codes_with_status(queryset, self.value(), timezone.now())
        return queryset


class RedemptionInline(ReadOnlyInline):
    model = DiscountRedemption
    fields = ["id", "order", "customer", "amount", "released_at", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at"]


@admin.register(DiscountCode)
class DiscountCodeAdmin(ReadOnlyModelAdmin):
    list_display = [
        "code",
        "type",
        "value",
        "currency",
        "usage",
        "active",
        "status",
        "starts_at",
        "ends_at",
        "account",
        "created_at",
    ]
    list_filter = ["account", StatusFilter, "type", "applies_to", "active", "created_at"]
    search_fields = ["id", "code", "batch", "description"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    inlines = [RedemptionInline]
    actions = ["activate", "deactivate"]

    @admin.display(description="uses")
    def usage(self, discount):
        limit = "∞" if discount.usage_limit is None else discount.usage_limit
        return f"{discount.times_used} / {limit}"

    @admin.display(description="status")
    def status(self, discount):
        return selectors.code_status(discount, timezone.now())

    def has_switch_permission(self, request):
        return request.user.has_perm("loyalty.change_discountcode")

    def _switch(self, request, queryset, *, active: bool):
        changed = services.discount_codes_set_active(discounts=queryset, active=active)
        self.message_user(request, f"{changed} code(s) {'activated' if active else 'deactivated'}.", messages.SUCCESS)

    @admin.action(description="Activate selected codes", permissions=["switch"])
    def activate(self, request, queryset):
        self._switch(request, queryset, active=True)

    @admin.action(description="Deactivate selected codes", permissions=["switch"])
    def deactivate(self, request, queryset):
        self._switch(request, queryset, active=False)


@admin.register(DiscountRedemption)
class DiscountRedemptionAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "code", "discount", "order", "customer", "amount", "released_at", "account", "created_at"]
    list_filter = ["account", ("released_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["id", "code", "order__id", "customer__email", "customer__name", "discount__id"]
    list_select_related = ["account", "discount", "order", "customer"]
    date_hierarchy = "created_at"
