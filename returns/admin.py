"""The staff back office for returns and reviews: read-only rows (statuses, stock and money move only through
the services), filtered by account first; the actions authorize or reject returns and approve or reject
reviews through the same services as the API."""

from django.contrib import admin, messages

from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin

from . import services
from .exceptions import InvalidReturnTransition
from .models import ReturnItem, ReturnRefund, ReturnRequest, ReturnStatus, Review, ReviewSettings, ReviewStatus


class ReturnItemInline(ReadOnlyInline):
    model = ReturnItem
    fields = ["product_name", "sku", "quantity", "reason", "quantity_restocked", "quantity_damaged", "unit_price"]
    readonly_fields = fields


class ReturnRefundInline(ReadOnlyInline):
    model = ReturnRefund
    fields = ["id", "amount", "currency", "status", "method", "payment_id", "provider_refund_id", "created_at"]
    readonly_fields = fields


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "order", "customer", "status", "amount_refunded", "currency", "account", "created_at"]
    list_filter = ["account", "status", "created_at"]
    search_fields = ["id", "order__id", "customer__name", "customer__email"]
    list_select_related = ["account", "order", "customer"]
    date_hierarchy = "created_at"
    inlines = [ReturnItemInline, ReturnRefundInline]
    actions = ["authorize", "reject"]

    def has_decide_permission(self, request):
        return request.user.has_perm("returns.change_returnrequest")

    def _decide(self, request, queryset, *, approve: bool, done: str):
        moved, skipped = [], []
        for return_request in queryset.order_by("pk"):
            try:
                services.return_authorize(return_request=return_request, approve=approve, note="From the back office")
            except InvalidReturnTransition:
                skipped.append(f"{return_request.pk} ({return_request.status})")
            else:
                moved.append(return_request.pk)
        if moved:
            self.message_user(request, f"{len(moved)} return(s) {done}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{len(skipped)} return(s) skipped, only {ReturnStatus.REQUESTED} returns can be decided: "
                f"{', '.join(skipped)}",
                messages.WARNING,
            )

    @admin.action(description="Authorize selected requested returns", permissions=["decide"])
    def authorize(self, request, queryset):
        self._decide(request, queryset, approve=True, done="authorized")

    @admin.action(description="Reject selected requested returns", permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, approve=False, done="rejected")


@admin.register(ReturnRefund)
class ReturnRefundAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "return_request", "order", "amount", "currency", "status", "method", "account", "created_at"]
    list_filter = ["account", "status", "method", "created_at"]
    search_fields = ["id", "return_request__id", "order__id", "payment_id", "provider_refund_id"]
    list_select_related = ["account"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyModelAdmin):
    list_display = ["title", "rating", "product", "customer", "verified", "status", "account", "created_at"]
    list_filter = ["account", "status", "rating", "verified", "created_at"]
    search_fields = ["id", "title", "body", "product__name", "customer__name", "customer__email"]
    list_select_related = ["account", "product", "customer"]
    actions = ["approve", "reject"]

    def has_moderate_permission(self, request):
        return request.user.has_perm("returns.change_review")

    def _moderate(self, request, queryset, status: str):
        count = 0
        for review in queryset.order_by("pk"):
            services.review_moderate(review=review, status=status)
            count += 1
        self.message_user(request, f"{count} review(s) {status}.", messages.SUCCESS)

    @admin.action(description="Approve (publish) selected reviews", permissions=["moderate"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, ReviewStatus.APPROVED)

    @admin.action(description="Reject (hide) selected reviews", permissions=["moderate"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, ReviewStatus.REJECTED)


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ["account", "auto_approve_verified", "updated_at"]
    list_filter = ["account", "auto_approve_verified"]
    search_fields = ["account__name"]
    list_select_related = ["account"]

    def has_delete_permission(self, request, obj=None):
        return False
