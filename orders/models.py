"""Orders: what a customer bought (a snapshot of the products at the time), what it cost, how it moves
from pending to delivered, the money recorded against it, and its timeline.

Every figure that customers see or that other apps rely on is written by `orders.services` only:
totals, status, payment status and amounts, and `counted_in_stats` (whether the order still counts in
the customer's totalOrders / totalSpent).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, TenantModel
from catalog.models import Product, ProductVariant
from customers.models import Customer
from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField

MAX_QUANTITY = 10_000
MAX_ITEMS = 100
NOTE_MAX_LENGTH = 2000
MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class OrderStatus(models.TextChoices):
    PENDING = "pending"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class Channel(models.TextChoices):
    ONLINE = "online"
    OFFLINE = "offline"
    MOBILE = "mobile"
    PHONE = "phone"
    SHOPEE = "shopee"
    LAZADA = "lazada"
    FACEBOOK = "facebook"


class PaymentMethod(models.TextChoices):
    CREDIT_CARD = "credit_card"
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    CARD_TERMINAL = "card_terminal"
    COD = "cod"
    MARKETPLACE = "marketplace"
    OTHER = "other"


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class Order(TenantModel):
    """One order of one customer. Amounts are in `currency` (the account's when the order was placed).

    `created_at` is when the order was placed: now for orders made through the API, the original date
    for imported ones (marketplace sync, demo data), so it is settable here unlike other models.
    """

    id = PrefixedIdField(kind="order")
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # The account and the customer have no index of their own: the indexes below start with them.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", db_index=False)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices, null=True, blank=True)
    currency = models.CharField(max_length=3)

    subtotal = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    shipping_amount = models.DecimalField(**MONEY, default=ZERO)
    discount_amount = models.DecimalField(
        **MONEY, default=ZERO, help_text="Every discount on the order: its lines' and a shipping discount."
    )
    discount_code = models.CharField(
        max_length=64, blank=True, default="", help_text="The discount code applied, as the account spells it."
    )
    total = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, help_text="Percent, from the account.")
    prices_include_tax = models.BooleanField(default=False)
    tax_shipping = models.BooleanField(default=False)

    payment_status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID)
    amount_paid = models.DecimalField(**MONEY, default=ZERO, help_text="Succeeded payments less refunds.")
    amount_refunded = models.DecimalField(**MONEY, default=ZERO)
    counted_in_stats = models.BooleanField(
        default=True, help_text="Counts in the customer's totalOrders/totalSpent (not cancelled or fully refunded)."
    )

    notes = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    shipping_address = JSONField(null=True, blank=True)
    shipping_method = models.CharField(max_length=100, blank=True, default="")
    carrier = models.CharField(max_length=100, blank=True, default="")
    tracking_number = models.CharField(max_length=100, blank=True, default="")
    tracking_url = models.URLField(max_length=500, blank=True, default="")
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # Orders placed on a marketplace: its order number, and what the sync knows of it (the connection, the
    # platform's status, lines that matched no product). Written by the marketplace app only.
    external_id = models.CharField(max_length=64, blank=True, default="", help_text="The platform's order number.")
    marketplace = JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="order_subtotal_not_negative"),
            models.CheckConstraint(condition=Q(tax__gte=0), name="order_tax_not_negative"),
            models.CheckConstraint(condition=Q(shipping_amount__gte=0), name="order_shipping_not_negative"),
            models.CheckConstraint(condition=Q(discount_amount__gte=0), name="order_discount_not_negative"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            # Only column-to-column comparisons: SQLite keeps decimals as floats, so sums would be inexact.
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=models.F("total")),
                name="order_amount_paid_within_total",
            ),
            models.CheckConstraint(condition=Q(amount_refunded__gte=0), name="order_amount_refunded_not_negative"),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="order_account_created"),
            models.Index(fields=["account", "status", "-created_at"], name="order_account_status_created"),
            # A customer's orders: not led by the account, which a customer's id implies.
            models.Index(fields=["customer", "-created_at"], name="order_customer_created"),
            models.Index(fields=["account", "channel", "-created_at"], name="order_account_channel_created"),
            models.Index(
                fields=["account", "external_id"], name="order_account_external_id", condition=~Q(external_id="")
            ),
        ]

    def __str__(self):
        return self.id

    @property
    def balance(self) -> Decimal:
        """What can still be paid: the total less everything ever paid (refunded money is not owed again)."""
        return self.total - self.amount_paid - self.amount_refunded


class OrderItem(TenantModel):
    """One line: the variant as it was when ordered (the product's name, the variant's SKU and title, the unit
    price) and the quantity. `variant_title` is empty for the implicit variant of a product without options,
    which the API does not show (see the `shown_*` properties)."""

    id = PrefixedIdField(kind="order_item")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # Both checked by one composite key (migration 0011): (variant, product) is a variant's (id, product).
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items", db_constraint=False)
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.PROTECT, related_name="order_items", db_constraint=False
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Line order, as sent.")
    product_name = models.CharField(max_length=255)
    sku = models.CharField(max_length=64, help_text="The variant's SKU (a product without options: its own).")
    variant_title = models.CharField(
        max_length=800, blank=True, default="", help_text='e.g. "M / Black"; empty for a product without options.'
    )
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    line_total = models.DecimalField(**MONEY)
    discount_amount = models.DecimalField(
        **MONEY, default=ZERO, help_text="The discounts allocated to this line (at most its total)."
    )
    unit_cost = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="The product's cost when the order was placed (internal: for margins, never shown by the API).",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_QUANTITY), name="order_item_quantity_in_range"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_item_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0) & Q(discount_amount__lte=models.F("line_total")),
                name="order_item_discount_within_total",
            ),
        ]

    def __str__(self):
        variant = f" ({self.variant_title})" if self.variant_title else ""
        return f"{self.quantity} × {self.product_name}{variant}"

    # What the API and events show of the variant: nothing (None) for a product without options.
    @property
    def shown_variant_id(self) -> str | None:
        return self.variant_id if self.variant_title else None

    @property
    def shown_variant_sku(self) -> str | None:
        return self.sku if self.variant_title else None

    @property
    def shown_variant_title(self) -> str | None:
        return self.variant_title or None


class PaymentKind(models.TextChoices):
    PAYMENT = "payment"
    REFUND = "refund"


class PaymentRecordStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class OrderPayment(TenantModel):
    """Money in (`payment`) or out (`refund`) for an order. Only succeeded rows move the order's amounts.

    `provider` says who moved the money ("manual" for cash, terminal and transfers recorded by the
    merchant, "stripe" for card payments); `provider_reference` is the provider's id (a PaymentIntent,
    a refund), unique per account, provider and kind so a provider's retried notification is recorded once.
    """

    id = PrefixedIdField(kind="order_payment")
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(max_length=8, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    status = models.CharField(max_length=10, choices=PaymentRecordStatus.choices, default=PaymentRecordStatus.SUCCEEDED)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    provider = models.CharField(max_length=32, default="manual")
    provider_reference = models.CharField(max_length=255, blank=True, default="")
    reference = models.CharField(max_length=255, blank=True, default="", help_text="The merchant's own reference.")
    note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    refunded_payment = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_payment_amount_positive"),
            models.UniqueConstraint(
                fields=["account", "provider", "kind", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="order_payment_unique_provider_reference",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} {self.currency} ({self.status})"


class EventKind(models.TextChoices):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    NOTE = "note"
    PAYMENT = "payment"
    REFUND = "refund"
    SHIPPING_UPDATED = "shipping_updated"
    DISCOUNT = "discount"


class OrderEvent(TenantModel):
    """The order's timeline. `actor_*` name the credential that did it (a user, an API key, an OAuth app),
    or "system" for work done by the platform itself."""

    id = PrefixedIdField(kind="order_event")
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # No index of its own: order_event_order_created starts with it.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, choices=OrderStatus.choices, blank=True, default="")
    to_status = models.CharField(max_length=16, choices=OrderStatus.choices, blank=True, default="")
    note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    data = JSONField(default=dict, blank=True)
    actor_type = models.CharField(max_length=16, default="system")
    actor_id = models.CharField(max_length=100, blank=True, default="")
    actor_label = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_order_created")]

    def __str__(self):
        return f"{self.kind} {self.order_id}"


ROLLUP_MONEY = {"max_digits": 18, "decimal_places": 2, "default": ZERO}


class SalesDay(models.Model):
    """One account's sales of one day (a calendar day of the account's time zone) on one channel: additive
    figures that the order services keep exact inside their own transactions (`orders.rollups`), so reports
    read a few hundred rows instead of a year of orders. `rollups_rebuild` recomputes them from the orders.

    An order counts on the day it was placed, from placement until it is cancelled (a refunded order still
    counts: it was sold, and its refunds are subtracted in net figures). Refunds count on the day they were
    made, under the order's channel. See docs/analytics.md.
    """

    id = models.BigAutoField(primary_key=True)
    # Not indexed alone: the unique key leads with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="A calendar day in the account's time zone.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    orders = models.IntegerField(default=0, help_text="Orders placed that day and not cancelled.")
    units = models.BigIntegerField(default=0, help_text="Units on those orders' lines.")
    gross_sales = models.DecimalField(**ROLLUP_MONEY, help_text="Σ subtotal: the lines before discounts.")
    discounts = models.DecimalField(**ROLLUP_MONEY, help_text="Σ discount (lines' and shipping's).")
    tax = models.DecimalField(**ROLLUP_MONEY)
    shipping = models.DecimalField(**ROLLUP_MONEY)
    total = models.DecimalField(**ROLLUP_MONEY, help_text="Σ order total.")
    refunds = models.DecimalField(
        **ROLLUP_MONEY, help_text="Money refunded that day on orders that are not cancelled (by the refund's day)."
    )
    cost_of_goods = models.DecimalField(**ROLLUP_MONEY, help_text="Σ unit cost × quantity (unknown cost as 0).")
    lines_without_cost = models.IntegerField(default=0, help_text="Lines whose product had no cost.")
    new_customers = models.IntegerField(
        default=0, help_text="Orders that are their customer's first order that is not cancelled."
    )

    class Meta:
        ordering = ["-day", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day", "channel"], name="sales_day_account_day_channel"),
        ]

    def __str__(self):
        return f"{self.day} {self.channel}"


class SalesHour(models.Model):
    """One account's sales of one hour of one day (both in the account's time zone) on one channel: the
    figures the hour-of-day pattern needs, kept like `SalesDay` (orders count at the hour they were placed,
    refunds at the hour they were made)."""

    id = models.BigAutoField(primary_key=True)
    # Not indexed alone: the unique key leads with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="A calendar day in the account's time zone.")
    hour = models.PositiveSmallIntegerField(help_text="0–23, in the account's time zone.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    orders = models.IntegerField(default=0, help_text="Orders placed in that hour and not cancelled.")
    units = models.BigIntegerField(default=0)
    total = models.DecimalField(**ROLLUP_MONEY, help_text="Σ order total.")
    refunds = models.DecimalField(**ROLLUP_MONEY, help_text="Money refunded in that hour on orders not cancelled.")

    class Meta:
        ordering = ["-day", "hour", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day", "hour", "channel"], name="sales_hour_account_key"),
            models.CheckConstraint(condition=Q(hour__lte=23), name="sales_hour_hour_of_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.hour:02d}h {self.channel}"


class ProductSales(models.Model):
    """What a variant sold on one channel in a period of the account's time zone (a day or a month, set by
    the concrete table): lines of orders that are not cancelled, on the order's placement day; discounts added
    later included. Refunds are not split by product (they are money back on an order), so they are not here."""

    id = models.BigAutoField(primary_key=True)
    # Not indexed alone: the unique key leads with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # Without database constraints: derived rows the rebuild recomputes, written by every import batch (a
    # deferred check per row and key would cost more than the rows), and the catalog keeps ordered products.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    lines = models.IntegerField(default=0, help_text="Order lines (one per order that sold it).")
    units = models.BigIntegerField(default=0)
    gross_sales = models.DecimalField(**ROLLUP_MONEY, help_text="Σ line total, before discounts.")
    discounts = models.DecimalField(**ROLLUP_MONEY, help_text="Σ the discounts allocated to the lines.")
    cost_of_goods = models.DecimalField(**ROLLUP_MONEY, help_text="Σ unit cost × quantity (unknown cost as 0).")
    lines_without_cost = models.IntegerField(default=0)

    class Meta:
        abstract = True


class ProductSalesDay(ProductSales):
    """One variant's sales of one day on one channel: what the products report sums for the days of a
    range's partial months."""

    day = models.DateField(help_text="A calendar day in the account's time zone.")

    class Meta:
        ordering = ["-day", "channel", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day", "channel", "product", "variant"], name="product_sales_day_account_key"
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.channel} {self.variant_id}"


class ProductSalesMonth(ProductSales):
    """`ProductSalesDay` summed by calendar month (stored as its first day), kept with it: the products
    report reads the whole months of a range here and only its partial months' days there, a few thousand
    rows a year instead of one per variant, channel and day."""

    month = models.DateField(help_text="The month's first day, in the account's time zone.")

    class Meta:
        ordering = ["-month", "channel", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "month", "channel", "product", "variant"], name="product_sales_month_account_key"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.channel} {self.variant_id}"


class PaymentDay(models.Model):
    """Money that moved on one day (the account's time zone) by one payment method, on one channel's
    orders: succeeded payments and refunds, by the day they were recorded, whatever became of the order
    (a cancelled order's payment was still taken, and its refund still paid out)."""

    id = models.BigAutoField(primary_key=True)
    # Not indexed alone: the unique key leads with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="A calendar day in the account's time zone.")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    payments = models.IntegerField(default=0, help_text="Succeeded payments.")
    collected = models.DecimalField(**ROLLUP_MONEY, help_text="Σ succeeded payments.")
    refunds = models.IntegerField(default=0, help_text="Succeeded refunds.")
    refunded = models.DecimalField(**ROLLUP_MONEY, help_text="Σ succeeded refunds.")

    class Meta:
        ordering = ["-day", "channel", "method"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day", "channel", "method"], name="payment_day_account_key"),
        ]

    def __str__(self):
        return f"{self.day} {self.channel} {self.method}"


class CohortMonth(models.Model):
    """Monthly acquisition cohorts: of the customers whose first order (not cancelled) was placed in
    `cohort`, how many ordered in `month` and how many orders they placed (months of the account's time
    zone, each stored as its first day). Kept by the order services like `SalesDay`."""

    id = models.BigAutoField(primary_key=True)
    # Not indexed alone: the unique key leads with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    cohort = models.DateField(help_text="First day of the month of the customers' first order.")
    month = models.DateField(help_text="First day of the month they ordered in (the cohort's month or later).")
    customers = models.IntegerField(default=0, help_text="Customers of the cohort with an order that month.")
    orders = models.IntegerField(default=0, help_text="Their orders that month (not cancelled).")

    class Meta:
        ordering = ["-cohort", "month"]
        constraints = [
            models.UniqueConstraint(fields=["account", "cohort", "month"], name="cohort_month_account_key"),
        ]

    def __str__(self):
        return f"{self.cohort:%Y-%m} in {self.month:%Y-%m}"
