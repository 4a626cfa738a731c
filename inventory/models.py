"""Inventory: warehouses, a stock level per variant per warehouse, reservations, transfers and the ledger.

Invariants (checked by `selectors.ledger_discrepancies`, enforced by CHECK constraints where a row can
hold them on its own):

- `0 <= reserved <= on_hand` on every stock level: stock is never oversold. Backordered units are never
  part of a stock level; they are reservation rows without a warehouse (see `StockReservation`).
- For every stock level, the sum of its movements' `on_hand_change` is `on_hand`, and the sum of their
  `reserved_change` is `reserved`. Movements are only ever inserted.
- `reserved` is the sum of the active, allocated reservations of that variant in that warehouse.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from accounts.models import Account, TenantModel
from catalog.models import Product, ProductVariant
from omnisales.api.ids import PrefixedIdField

MAX_QUANTITY = 1_000_000_000  # any single quantity; keeps sums far inside a 64-bit integer
NOTE_MAX_LENGTH = 500
# What the API, the admin and the services may set on a warehouse.
WAREHOUSE_FIELDS = (
    "name",
    "code",
    "address_line_1",
    "address_line_2",
    "city",
    "region",
    "postal_code",
    "country",
    "is_active",
    "priority",
)


class Warehouse(TenantModel):
    """A place stock is kept. Allocation takes active warehouses by ascending `priority`."""

    id = PrefixedIdField(kind="warehouse")
    name = models.CharField(max_length=120)
    code = models.CharField(
        max_length=32,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9_-]*$", "Letters, digits, '-' and '_' only.")],
        help_text="Short code, unique within the account among warehouses that are not archived; upper-cased.",
    )
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="State, province or county.")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "An ISO 3166-1 alpha-2 code such as US.")],
    )
    is_active = models.BooleanField(default=True, help_text="Inactive warehouses are never allocated from.")
    priority = models.IntegerField(
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(1_000_000)],
        help_text="Lower is allocated first.",
    )
    archived_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set when a warehouse with history is deleted."
    )

    class Meta:
        ordering = ["priority", "code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "code"], condition=Q(archived_at__isnull=True), name="warehouse_unique_account_code"
            ),
        ]
        indexes = [models.Index(fields=["account", "is_active", "priority"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class StockLevelQuerySet(models.QuerySet):
    def with_available(self):
        return self.annotate(available_quantity=F("on_hand") - F("reserved"))


class StockLevel(TenantModel):
    """How many units of one variant one warehouse holds, and how many of those are promised to orders.
    (`product` is the variant's product, kept on the row for per-product totals and filters.)

    `on_hand` and `reserved` change only through `inventory.services`, each change with its movement.
    """

    id = PrefixedIdField(kind="stock_level")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.BigIntegerField(default=0, editable=False)
    reserved = models.BigIntegerField(default=0, editable=False)
    reorder_point = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_QUANTITY)],
        help_text="Available at or below this is low stock (0: only when sold out).",
    )
    reorder_quantity = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_QUANTITY)], help_text="How much to order when low."
    )
    below_reorder_point = models.BooleanField(
        default=True,
        editable=False,
        help_text="available <= reorder_point, kept in the statement that changes the quantities; "
        "inventory.low_stock fires when it turns true.",
    )

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        ordering = ["product_id", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "variant"], name="stock_level_unique_warehouse_variant"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_level_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_level_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_level_reserved_within_on_hand"),
        ]
        indexes = [
            models.Index(fields=["account", "product"]),
            models.Index(fields=["account", "variant"]),
            models.Index(fields=["account", "below_reorder_point"]),
        ]

    def __str__(self):
        return f"{self.variant_id} @ {self.warehouse_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementType(models.TextChoices):
    RECEIPT = "receipt"
    SALE = "sale"
    RESERVATION = "reservation"
    RELEASE = "release"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"


class AdjustmentReason(models.TextChoices):
    RECEIVED = "received"
    DAMAGED = "damaged"
    LOST = "lost"
    COUNT_CORRECTION = "count_correction"
    RETURNED = "returned"
    OTHER = "other"


class ReferenceType(models.TextChoices):
    ORDER = "order"
    RETURN = "return"
    TRANSFER = "transfer"
    ADJUSTMENT = "adjustment"


class StockMovementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Stock movements are append-only")

    def delete(self):
        raise TypeError("Stock movements are append-only")


class StockMovement(TenantModel):
    """One line of the append-only ledger: a change to one stock level.

    `on_hand_change` and `reserved_change` are the exact effects on the stock level; `quantity` is the one
    number people read: the effect on reserved for reservations and releases, on on-hand otherwise.
    """

    id = PrefixedIdField(kind="stock_movement")
    # The level, product and variant checked by one composite key (migration 0005): (stock_level, product,
    # variant) is a stock level's (id, product, variant). No key has an index of its own: the indexes below
    # start with each of them.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    stock_level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="movements", db_constraint=False, db_index=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", db_index=False)
    type = models.CharField(max_length=16, choices=MovementType.choices)
    quantity = models.BigIntegerField()
    on_hand_change = models.BigIntegerField()
    reserved_change = models.BigIntegerField()
    on_hand_after = models.BigIntegerField()
    reserved_after = models.BigIntegerField()
    reference_type = models.CharField(max_length=16, choices=ReferenceType.choices, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)  # indexed below, without a LIKE index
    reason = models.CharField(max_length=32, choices=AdjustmentReason.choices, blank=True)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    actor = models.CharField(max_length=254, help_text='User email, API key id (key_…) or "system".')

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # A product's, variant's or warehouse's movements by time. Not led by the account: an id is unique
        # across accounts, so the account's column would only make each entry longer, and these indexes also
        # serve the keys' own lookups (a deletion's check), which otherwise take an index each.
        indexes = [
            models.Index(fields=["product", "created_at"], name="stock_movement_product"),
            models.Index(fields=["variant", "created_at"], name="stock_movement_variant"),
            models.Index(fields=["warehouse", "created_at"], name="stock_movement_warehouse"),
            models.Index(fields=["stock_level", "type", "created_at"]),
            models.Index(fields=["account", "type", "created_at"]),
            # An order's or transfer's movements. A plain index: `db_index=True` on a CharField also gets a
            # `varchar_pattern_ops` one on PostgreSQL, for LIKE searches these ids never see.
            models.Index(fields=["reference_id"], name="stock_movement_reference"),
        ]

    def __str__(self):
        return f"{self.type} {self.quantity:+d} ({self.id})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Stock movements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Stock movements are append-only")


class ReservationStatus(models.TextChoices):
    ACTIVE = "active"
    RELEASED = "released"
    FULFILLED = "fulfilled"


class StockReservation(TenantModel):
    """Units of a variant promised to a reference (an order), from one warehouse.

    A row without a warehouse is a backorder: units of a variant whose product allows backorders, promised while no
    stock was available. They are allocated from stock when the reference is fulfilled.
    """

    id = PrefixedIdField(kind="stock_reservation")
    reference_type = models.CharField(max_length=16, choices=ReferenceType.choices, default=ReferenceType.ORDER)
    reference_id = models.CharField(max_length=64)
    # The product and variant checked by one composite key (migration 0005): (variant, product) is a variant's
    # (id, product). The account, product and variant have no index of their own: the indexes below start
    # with each of them.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_reservation_quantity_positive"),
            models.UniqueConstraint(
                fields=["account", "reference_type", "reference_id", "variant", "warehouse"],
                condition=Q(status="active"),
                name="stock_reservation_unique_active_variant_allocation",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "reference_type", "reference_id", "status"]),
            # Not led by the account (see StockMovement's).
            models.Index(fields=["product", "warehouse", "status"], name="stock_reservation_product"),
            models.Index(fields=["variant", "warehouse", "status"], name="stock_reservation_variant"),
        ]

    def __str__(self):
        where = self.warehouse_id or "backorder"
        return f"{self.reference_id}: {self.quantity} × {self.variant_id} @ {where} ({self.status})"

    @property
    def is_backorder(self) -> bool:
        return self.warehouse_id is None


class StockTransfer(TenantModel):
    """Available stock moved from one warehouse to another in one transaction (two movements)."""

    id = PrefixedIdField(kind="stock_transfer")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="+")
    from_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)])
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    actor = models.CharField(max_length=254)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_transfer_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(from_warehouse=F("to_warehouse")), name="stock_transfer_distinct_warehouses"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "product", "created_at"]),
            models.Index(fields=["account", "variant", "created_at"]),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant_id}: {self.from_warehouse_id} → {self.to_warehouse_id}"
