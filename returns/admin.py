"""The staff back office for returns and reviews: read-only rows (statuses, stock and money move only through
the services), filtered by account first; the actions authorize or reject returns and approve or reject
reviews through the same services as the API."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from inventory.models import Warehouse
from omnisales.api.actors import actor_for_user
from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin
from omnisales.api.errors import ApplicationError

from . import services
from .exceptions import InvalidReturnTransition
from .models import (
    ItemCondition,
    ReturnItem,
    ReturnRefund,
    ReturnRequest,
    ReturnStatus,
    Review,
    ReviewSettings,
    ReviewStatus,
)


class ReceiveForm(forms.Form):
    """Where the goods of the selected returns came back, and in what state."""

    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none())
    condition = forms.ChoiceField(choices=ItemCondition.choices, initial=ItemCondition.SELLABLE)

    def __init__(self, *args, account_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(
            account_id=account_id, is_active=True, archived_at__isnull=True
        ).order_by("priority", "code")


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
    actions = ["authorize", "reject", "receive"]

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
        self._report(
            request,
            moved,
            done,
            skipped,
            f"{len(skipped)} return(s) skipped, only {ReturnStatus.REQUESTED} returns can be decided: ",
        )

    def _report(self, request, done: list, done_text: str, left: list, left_text: str) -> None:
        if done:
            self.message_user(request, f"{len(done)} return(s) {done_text}.", messages.SUCCESS)
        if left:
            self.message_user(request, f"{left_text}{', '.join(left)}", messages.WARNING)

    @admin.action(description="Authorize selected requested returns", permissions=["decide"])
    def authorize(self, request, queryset):
        self._decide(request, queryset, approve=True, done="authorized")

    @admin.action(description="Reject selected requested returns", permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, approve=False, done="rejected")

    @admin.action(description="Receive selected authorized returns…", permissions=["decide"])
    def receive(self, request, queryset):
        """A page asks for the warehouse and the items' condition; every item is then received in full through
        the same service as POST /api/returns/{id}/receive. One account at a time (its warehouses)."""
        selected = list(queryset.filter(status=ReturnStatus.AUTHORIZED).prefetch_related("items").order_by("pk"))
        if len(selected) < queryset.count():
            self.message_user(request, "Only authorized returns can be received; select those.", messages.ERROR)
            return None
        if len({return_request.account_id for return_request in selected}) != 1:
            self.message_user(request, "Receive the returns of one account at a time.", messages.ERROR)
            return None
        form = ReceiveForm(request.POST if "apply" in request.POST else None, account_id=selected[0].account_id)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Receive returns",
                "returns": selected,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/returns/returnrequest/receive.html", context)
        received, failed = [], []
        for return_request in selected:
            items = [
                {
                    "order_item_id": item.order_item_id,
                    "quantity": item.quantity,
                    "condition": form.cleaned_data["condition"],
                }
                for item in return_request.items.all()
            ]
            try:
                services.return_receive(
                    return_request=return_request,
                    warehouse=form.cleaned_data["warehouse"],
                    items=items,
                    actor=actor_for_user(request.user),
                )
            except ApplicationError as exc:  # another staff member or the API moved it meanwhile
                failed.append(f"{return_request.pk} ({exc.message})")
            else:
                received.append(return_request.pk)
        self._report(request, received, "received", failed, "Not received: ")
        return None


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
