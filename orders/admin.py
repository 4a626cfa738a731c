"""Orders admin: read-only views of orders with their lines, payments and timeline; changes go through
the services (the bulk "mark shipped" action uses the transition map like the API does)."""

import csv
from collections.abc import Iterator

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from omnisales.api.admin import ReadOnlyModelAdmin

from . import services
from .actors import actor_for_user
from .exceptions import InvalidStatusTransition
from .models import Order, OrderEvent, OrderItem, OrderPayment, OrderStatus

CSV_COLUMNS = (
    "id",
    "createdAt",
    "customerId",
    "customerName",
    "customerEmail",
    "status",
    "channel",
    "paymentMethod",
    "paymentStatus",
    "currency",
    "subtotal",
    "tax",
    "shipping",
    "total",
    "amountPaid",
    "amountRefunded",
    "items",
    "carrier",
    "trackingNumber",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def order_csv_row(order: Order) -> list[str]:
    values = (
        order.pk,
        order.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        order.customer_id,
        order.customer.name,
        order.customer.email,
        order.status,
        order.channel,
        order.payment_method,
        order.payment_status,
        order.currency,
        order.subtotal,
        order.tax,
        order.shipping_amount,
        order.total,
        order.amount_paid,
        order.amount_refunded,
        "; ".join(f"{item.quantity} x {item.sku}" for item in order.items.all()),
        order.carrier,
        order.tracking_number,
    )
    return [_cell(value) for value in values]


class _Echo:
    def write(self, value: str) -> str:
        return value


def order_csv_lines(orders) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for order in orders:
        yield writer.writerow(order_csv_row(order))


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderItemInline(_ReadOnlyInline):
    model = OrderItem
    fields = readonly_fields = ["product", "product_name", "sku", "quantity", "unit_price", "line_total"]


class OrderPaymentInline(_ReadOnlyInline):
    model = OrderPayment
    fk_name = "order"
    fields = readonly_fields = [
        "created_at",
        "kind",
        "status",
        "amount",
        "currency",
        "method",
        "provider",
        "provider_reference",
        "reference",
        "note",
    ]


class OrderEventInline(_ReadOnlyInline):
    model = OrderEvent
    fields = readonly_fields = ["created_at", "kind", "from_status", "to_status", "note", "actor_type", "actor_label"]


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    """Read-only: orders change through the API and the actions below, never by editing fields."""

    list_display = [
        "id",
        "customer",
        "status",
        "channel",
        "payment_status",
        "total",
        "currency",
        "account",
        "created_at",
    ]
    list_filter = ["status", "channel", "payment_status", "payment_method", "created_at", "account"]
    search_fields = ["id", "customer__name", "customer__email"]
    list_select_related = ["customer", "account"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderPaymentInline, OrderEventInline]
    actions = ["mark_shipped", "export_csv"]

    def has_transition_permission(self, request):
        return request.user.has_perm("orders.change_order")

    @admin.action(description="Mark selected orders shipped", permissions=["transition"])
    def mark_shipped(self, request, queryset):
        actor = actor_for_user(request.user)
        shipped, skipped, short = [], [], []
        for order in queryset.order_by("pk"):
            try:
                services.order_transition(order=order, to_status=OrderStatus.SHIPPED, actor=actor)
            except InvalidStatusTransition as exc:
                skipped.append(f"{order.pk} ({exc.details['from']})")
            except InsufficientStock:
                short.append(order.pk)
            else:
                shipped.append(order.pk)
        if shipped:
            self.message_user(request, f"{len(shipped)} order(s) marked shipped.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{len(skipped)} order(s) skipped, only processing orders can ship: {', '.join(skipped)}",
                messages.WARNING,
            )
        if short:
            self.message_user(
                request,
                f"{len(short)} order(s) not shipped, backordered units are not in stock yet: {', '.join(short)}",
                messages.WARNING,
            )

    @admin.action(description="Export selected orders as CSV")
    def export_csv(self, request, queryset):
        orders = queryset.select_related("customer").prefetch_related("items").order_by("-created_at", "-id")
        response = StreamingHttpResponse(order_csv_lines(orders.iterator(chunk_size=500)), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="orders-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response


@admin.register(OrderPayment)
class OrderPaymentAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "order", "kind", "status", "amount", "currency", "method", "provider", "created_at"]
    list_filter = ["kind", "status", "method", "provider", "created_at"]
    search_fields = ["id", "order__id", "provider_reference", "reference"]
    list_select_related = ["order"]


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "order", "sku", "product_name", "quantity", "unit_price", "line_total"]
    search_fields = ["order__id", "sku", "product_name", "product__id"]
    list_select_related = ["order"]


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "order", "kind", "from_status", "to_status", "actor_type", "actor_label"]
    list_filter = ["kind", "to_status", "actor_type", "created_at"]
    search_fields = ["order__id", "actor_id", "actor_label", "note"]
    list_select_related = ["order"]
