"""Discount codes and loyalty programs.

Discounts: a code (unique per account whatever its case) takes a percentage or a fixed amount off the lines
it applies to, or takes the shipping off. Each use on an order is a `DiscountRedemption`; `times_used` counts
the redemptions that still hold (a cancelled order releases its one), so usage limits are checked against one
locked counter rather than by counting rows.

Loyalty: an account runs at most one active program. A customer becomes a `LoyaltyMember` when first given
points. Every change to a member's points is a row of the append-only `PointsTransaction` ledger, whose sum
is always the member's `points_balance`. Points earned are kept as lots (`remaining`, `expires_at`) that
redemptions and expiry spend oldest first, so expiry takes exactly what was earned and not spent.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.models import TenantModel
from catalog.models import Category, Product
from customers.models import Customer
from omnisales.api.ids import PrefixedIdField
from orders.models import MONEY, Order

CODE_MAX_LENGTH = 64
ZERO = Decimal("0.00")


class DiscountType(models.TextChoices):
    PERCENTAGE = "percentage"
    FIXED_AMOUNT = "fixed_amount"
    FREE_SHIPPING = "free_shipping"


class AppliesTo(models.TextChoices):
    ALL = "all"
    PRODUCTS = "products"
    CATEGORIES = "categories"


class DiscountCode(TenantModel):
    """`value`: percent (0–100] for `percentage`, money in `currency` for `fixed_amount` (taken off the
    eligible lines, split in proportion to them), unused for `free_shipping`. `usage_limit` caps the
    redemptions that hold, of everyone; `per_customer_limit` those of one customer. `combinable`: whether
    loyalty points can also be redeemed on an order that used this code."""

    id = PrefixedIdField(kind="discount")
    code = models.CharField(max_length=CODE_MAX_LENGTH)
    description = models.CharField(max_length=255, blank=True, default="")
    type = models.CharField(max_length=16, choices=DiscountType.choices)
    value = models.DecimalField(**MONEY, default=ZERO)
    currency = models.CharField(max_length=3, help_text="The account's currency when the code was created.")
    minimum_order_total = models.DecimalField(**MONEY, null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Redemptions in all; empty: no limit.")
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Per customer; empty: no limit.")
    applies_to = models.CharField(max_length=16, choices=AppliesTo.choices, default=AppliesTo.ALL)
    products = models.ManyToManyField(Product, blank=True, related_name="+")
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    combinable = models.BooleanField(default=False, help_text="Loyalty points can be redeemed on the same order.")
    active = models.BooleanField(default=True)
    times_used = models.PositiveIntegerField(default=0, help_text="Redemptions that hold (cancelled orders' do not).")
    batch = models.CharField(
        max_length=40, blank=True, default="", help_text="The generation batch of a bulk-generated code."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint("account", Lower("code"), name="discount_code_unique_per_account"),
            models.CheckConstraint(condition=Q(value__gte=0), name="discount_value_not_negative"),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=models.F("usage_limit")),
                name="discount_times_used_within_limit",
            ),
        ]
        indexes = [models.Index(fields=["account", "batch"], name="discount_account_batch", condition=~Q(batch=""))]

    def __str__(self):
        return self.code


class DiscountRedemption(TenantModel):
    """One use of a code on an order. `released_at` is set when the order is cancelled: the redemption
    stays as history but no longer counts against the limits."""

    id = PrefixedIdField(kind="discount_redemption")
    discount = models.ForeignKey(DiscountCode, on_delete=models.PROTECT, related_name="redemptions")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=CODE_MAX_LENGTH)
    amount = models.DecimalField(**MONEY)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(released_at__isnull=True), name="discount_redemption_one_per_order"
            )
        ]
        indexes = [models.Index(fields=["discount", "customer"], name="discount_redemption_customer")]

    def __str__(self):
        return f"{self.code} on {self.order_id}"


class TierBasis(models.TextChoices):
    POINTS = "points"  # lifetime points earned
    SPEND = "spend"  # lifetime money spent on orders that earned points


class LoyaltyProgram(TenantModel):
    """`points_per_currency_unit` points are earned per unit of the order's total (before the tier's
    multiplier), rounded down; a point is worth `point_value` when redeemed. `expiry_months`: points expire
    that many months after they were earned (empty: never)."""

    id = PrefixedIdField(kind="loyalty_program")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True, default="")
    points_per_currency_unit = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal("1"))
    point_value = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal("0.01"))
    minimum_redemption = models.PositiveIntegerField(default=0, help_text="The fewest points one redemption takes.")
    expiry_months = models.PositiveSmallIntegerField(null=True, blank=True)
    tier_basis = models.CharField(max_length=8, choices=TierBasis.choices, default=TierBasis.POINTS)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(active=True), name="loyalty_program_one_active_per_account"
            ),
            models.CheckConstraint(condition=Q(points_per_currency_unit__gte=0), name="loyalty_earn_rate_not_negative"),
            models.CheckConstraint(condition=Q(point_value__gte=0), name="loyalty_point_value_not_negative"),
        ]

    def __str__(self):
        return self.name


class LoyaltyTier(TenantModel):
    """A level members reach at `threshold` (lifetime points or spend, as the program's `tier_basis` says);
    points they earn there are multiplied by `multiplier`."""

    id = PrefixedIdField(kind="loyalty_tier")
    program = models.ForeignKey(LoyaltyProgram, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=60)
    threshold = models.DecimalField(**MONEY, default=ZERO)
    multiplier = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("1"))

    class Meta:
        ordering = ["threshold", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="loyalty_tier_unique_name"),
            models.UniqueConstraint(fields=["program", "threshold"], name="loyalty_tier_unique_threshold"),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="loyalty_tier_multiplier_positive"),
        ]

    def __str__(self):
        return self.name


class LoyaltyMember(TenantModel):
    """A customer's points. `points_balance` is the sum of the member's ledger, kept in the same
    transaction as each ledger row; `lifetime_points` the points ever earned, `lifetime_spend` the totals of
    the orders that earned them (less refunds): what tiers are reached on."""

    id = PrefixedIdField(kind="loyalty_member")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    points_balance = models.IntegerField(default=0)
    lifetime_points = models.IntegerField(default=0)
    lifetime_spend = models.DecimalField(**MONEY, default=ZERO)
    tier = models.ForeignKey(LoyaltyTier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "customer"], name="loyalty_member_one_per_customer"),
            models.CheckConstraint(condition=Q(points_balance__gte=0), name="loyalty_balance_not_negative"),
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.points_balance} points"


class TransactionKind(models.TextChoices):
    EARN = "earn"
    REDEEM = "redeem"
    ADJUST = "adjust"
    EXPIRE = "expire"
    REVERSE = "reverse"


class PointsTransaction(TenantModel):
    """One change to a member's points, never updated but for `remaining`: `points` is signed,
    `balance_after` the member's balance once it applied. Rows that add points (earn, a positive adjust)
    are lots: `remaining` is what is left of them to spend or expire, `expires_at` when they expire.
    `reference` makes a change happen once (`earn:<order id>`); empty for changes that may repeat."""

    id = PrefixedIdField(kind="points_transaction")
    member = models.ForeignKey(LoyaltyMember, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(max_length=8, choices=TransactionKind.choices)
    points = models.IntegerField()
    balance_after = models.IntegerField()
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=500, blank=True, default="")
    reference = models.CharField(max_length=80, blank=True, default="")
    remaining = models.IntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    actor_type = models.CharField(max_length=16, default="system")
    actor_id = models.CharField(max_length=100, blank=True, default="")
    actor_label = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "reference"], condition=~Q(reference=""), name="points_transaction_once"
            ),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="points_remaining_not_negative"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="points_balance_after_not_negative"),
        ]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="points_member_created"),
            models.Index(fields=["expires_at"], name="points_lots_expiring", condition=Q(remaining__gt=0)),
        ]

    def __str__(self):
        return f"{self.kind} {self.points:+d}"
