"""Orders admin: an order's page reads like an order (customer, money, shipping, payment, then its lines,
payments and timeline), all read-only: orders change only through the services, which keep stock, totals and
customer stats right; the status actions call them and follow the transition map like the API does.
Customers' pages get their recent orders from here (customers cannot import orders)."""

import csv
from collections.abc import Iterator

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from customers.admin import CustomerAdmin, address_html
from customers.models import Customer
from inventory.exceptions import InsufficientStock
from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin

from . import services
from .actors import actor_for_user
from .exceptions import InvalidStatusTransition
from .models import Order, OrderEvent, OrderItem, OrderPayment, OrderStatus

RECENT_ORDERS = 10  # on a customer's page
PAYMENT_COLUMNS = ["kind", "status", "amount", "currency", "method", "provider"]

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
    "discount",
    "discountCode",
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
        order.discount_amount,
        order.discount_code,
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


def _money(amount, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _placed(order: Order) -> str:
    return f"{timezone.localtime(order.created_at):%Y-%m-%d %H:%M}"


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = readonly_fields = [
        "product",
        "product_name",
        "sku",
        "quantity",
        "unit_price",
        "line_total",
        "discount_amount",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


class OrderPaymentInline(ReadOnlyInline):
    model = OrderPayment
    fk_name = "order"
    fields = readonly_fields = ["created_at", *PAYMENT_COLUMNS, "provider_reference", "reference", "note"]


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = "timeline"
    fields = readonly_fields = ["created_at", "kind", "from_status", "to_status", "note", "actor_type", "actor_label"]


def _statuses_leading_to(to_status: str) -> list[str]:
    return [
        from_status for from_status in services.TRANSITIONS if to_status in services.allowed_transitions(from_status)
    ]


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    """Read-only: orders change through the API and the actions below, never by editing fields."""

    list_display = ["number", "customer_name", "status", "total_amount", "channel", "placed", "account"]
    list_filter = ["status", "channel", "payment_status", "payment_method", "created_at", "account"]
    search_fields = ["id", "customer__name", "customer__email", "discount_code", "external_id"]
    list_select_related = ["customer", "account"]
    date_hierarchy = "created_at"
    fieldsets = (
        ("Order", {"fields": ["status", "payment_status", "total_amount", "channel", "placed", "account", "notes"]}),
        ("Customer", {"fields": ["customer_link", "customer_email", "customer_phone"]}),
        (
            "Money",
            {
                "fields": [
                    "currency",
                    "subtotal",
                    "tax",
                    "shipping_amount",
                    "discount_amount",
                    "discount_code",
                    "total",
                    "tax_rate",
                    "prices_include_tax",
                    "tax_shipping",
                ]
            },
        ),
        (
            "Shipping",
            {
                "fields": [
                    "shipping_method",
                    "carrier",
                    "tracking_number",
                    "tracking_url",
                    "address",
                    "shipped_at",
                    "delivered_at",
                    "cancelled_at",
                ]
            },
        ),
        ("Payment", {"fields": ["payment_method", "amount_paid", "amount_refunded", "balance"]}),
        ("Record", {"classes": ["collapse"], "fields": ["id", "created_at", "updated_at", "counted_in_stats"]}),
    )
    readonly_fields = [
        "total_amount",
        "placed",
        "customer_link",
        "customer_email",
        "customer_phone",
        "address",
        "balance",
    ]
    inlines = [OrderItemInline, OrderPaymentInline, OrderEventInline]
    actions = ["mark_processing", "mark_shipped", "mark_delivered", "export_csv"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer", "account")

    @admin.display(description="Order", ordering="id")
    def number(self, obj):
        return obj.id

    @admin.display(description="Customer", ordering="customer__name")
    def customer_name(self, obj):
        return obj.customer.name

    @admin.display(description="Total", ordering="total")
    def total_amount(self, obj):
        return _money(obj.total, obj.currency)

    @admin.display(description="Placed", ordering="created_at")
    def placed(self, obj):
        return _placed(obj)

    @admin.display(description="Customer")
    def customer_link(self, obj):
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a> <span class="quiet">{}</span>', url, obj.customer.name, obj.customer_id)

    @admin.display(description="Email")
    def customer_email(self, obj):
        return obj.customer.email or "-"

    @admin.display(description="Phone")
    def customer_phone(self, obj):
        return obj.customer.phone or "-"

    @admin.display(description="Shipping address")
    def address(self, obj):
        return address_html(obj.shipping_address)

    @admin.display(description="Balance due")
    def balance(self, obj):
        return _money(obj.balance, obj.currency)

    def has_transition_permission(self, request):
        return request.user.has_perm("orders.change_order")

    def _move(self, request, queryset, to_status: str, *, done: str, verb: str):
        """Moves each order through the service; reports the moved ones and why the others were not."""
        actor = actor_for_user(request.user)
        moved, skipped, short = [], [], []
        for order in queryset.order_by("pk"):
            try:
                services.order_transition(order=order, to_status=to_status, actor=actor)
            except InvalidStatusTransition as exc:
                skipped.append(f"{order.pk} ({exc.details['from']})")
            except InsufficientStock:
                short.append(order.pk)
            else:
                moved.append(order.pk)
        if moved:
            self.message_user(request, f"{len(moved)} order(s) {done}.", messages.SUCCESS)
        if skipped:
            sources = " or ".join(_statuses_leading_to(to_status))
            self.message_user(
                request,
                f"{len(skipped)} order(s) skipped, only {sources} orders can {verb}: {', '.join(skipped)}",
                messages.WARNING,
            )
        if short:
            self.message_user(
                request,
                f"{len(short)} order(s) not shipped, backordered units are not in stock yet: {', '.join(short)}",
                messages.WARNING,
            )

    @admin.action(description="Mark selected orders processing", permissions=["transition"])
    def mark_processing(self, request, queryset):
        self._move(request, queryset, OrderStatus.PROCESSING, done="marked processing", verb="start processing")

    @admin.action(description="Mark selected orders shipped", permissions=["transition"])
    def mark_shipped(self, request, queryset):
        self._move(request, queryset, OrderStatus.SHIPPED, done="marked shipped", verb="ship")

    @admin.action(description="Mark selected orders delivered", permissions=["transition"])
    def mark_delivered(self, request, queryset):
        self._move(request, queryset, OrderStatus.DELIVERED, done="marked delivered", verb="be delivered")

    @admin.action(description="Export selected orders as CSV")
    def export_csv(self, request, queryset):
        orders = queryset.select_related("customer").prefetch_related("items").order_by("-created_at", "-id")
        response = StreamingHttpResponse(order_csv_lines(orders.iterator(chunk_size=500)), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="orders-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response


@admin.register(OrderPayment)
class OrderPaymentAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "order", *PAYMENT_COLUMNS, "account", "created_at"]
    list_filter = ["kind", "status", "method", "provider", "created_at", "account"]
    search_fields = ["id", "order__id", "provider_reference", "reference"]
    list_select_related = ["order", "account"]


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "order", "sku", "product_name", "quantity", "unit_price", "line_total", "account"]
    list_filter = ["account"]
    search_fields = ["order__id", "sku", "product_name", "product__id"]
    list_select_related = ["order", "account"]


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "order", "kind", "from_status", "to_status", "actor_type", "actor_label", "account"]
    list_filter = ["kind", "to_status", "actor_type", "created_at", "account"]
    search_fields = ["order__id", "actor_id", "actor_label", "note"]
    list_select_related = ["order", "account"]


# --- a customer's recent orders, on the customer's page ----------------------------------------------


class RecentOrdersFormSet(BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset()[:RECENT_ORDERS]
        return self._recent


class RecentOrderInline(ReadOnlyInline):
    model = Order
    fk_name = "customer"
    formset = RecentOrdersFormSet
    verbose_name_plural = f"recent orders (the last {RECENT_ORDERS})"
    fields = readonly_fields = ["number", "placed", "status", "payment_status", "channel", "total_amount"]

    @admin.display(description="Order")
    def number(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[obj.pk]), obj.pk)

    @admin.display(description="Placed")
    def placed(self, obj):
        return _placed(obj)

    @admin.display(description="Total")
    def total_amount(self, obj):
        return _money(obj.total, obj.currency)


class CustomerWithOrdersAdmin(CustomerAdmin):
    inlines = [*CustomerAdmin.inlines, RecentOrderInline]
    readonly_fields = [*CustomerAdmin.readonly_fields, "all_orders"]
    fieldsets = [
        (name, {**options, "fields": [*options["fields"], "all_orders"]} if name == "Orders" else options)
        for name, options in CustomerAdmin.fieldsets
    ]

    @admin.display(description="All orders")
    def all_orders(self, obj):
        url = reverse("admin:orders_order_changelist")
        return format_html('<a href="{}?customer__id__exact={}">Orders of this customer</a>', url, obj.pk)


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerWithOrdersAdmin)
