"""Marketplace connections (a merchant's shop on Shopee, Lazada or Facebook), the sync jobs that bring its
orders in, and what the sync remembers: which platform order is which Omni Sales order, which buyer is
which customer, and which listing sells which variant (for the stock push).

Credentials and tokens are encrypted at rest (`EncryptedTextField`) and never shown: the API shows hints
(the last four characters), kept in their own columns.
"""

from django.db import models
from django.db.models import Q

from accounts.models import Account, TenantModel
from catalog.models import ProductVariant
from customers.models import Customer
from omnisales.api.encryption import EncryptedTextField
from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField
from orders.models import Order

MAX_SYNC_ERRORS = 200  # per job: the first ones are kept, the count is exact


class Platform(models.TextChoices):
    SHOPEE = "shopee", "Shopee"
    LAZADA = "lazada", "Lazada"
    FACEBOOK = "facebook", "Facebook"


class ConnectionStatus(models.TextChoices):
    PENDING = "pending_authorization"  # credentials saved, the shop has not authorized the app yet
    ACTIVE = "active"
    ERROR = "error"  # the platform refused the credentials or tokens: reconnect
    DISABLED = "disabled"  # paused by the merchant: no sync, no stock push


class MarketplaceConnection(TenantModel):
    id = PrefixedIdField(kind="marketplace_connection")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    name = models.CharField(max_length=200, blank=True, default="", help_text="The shop's name on the platform.")
    shop_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=24, choices=ConnectionStatus.choices, default=ConnectionStatus.PENDING)

    api_key = EncryptedTextField()
    api_key_hint = models.CharField(max_length=8, blank=True, default="")
    api_secret = EncryptedTextField()
    api_secret_hint = models.CharField(max_length=8, blank=True, default="")
    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    token_refreshed_at = models.DateTimeField(null=True, blank=True)
    # The state of an authorization under way: a hash of the nonce the callback must bring back.
    authorization_state_hash = models.CharField(max_length=64, blank=True, default="")
    authorization_started_at = models.DateTimeField(null=True, blank=True)
    details = JSONField(default=dict, blank=True, help_text="What the platform said of the shop (country, seller).")

    push_stock = models.BooleanField(default=True, help_text="Push available stock of matched SKUs to the shop.")
    stock_buffer = models.PositiveIntegerField(default=0, help_text="Units held back from what is pushed.")
    auto_sync = models.BooleanField(default=True, help_text="Sync on the periodic schedule.")
    synced_until = models.DateTimeField(null=True, blank=True, help_text="Orders updated before this are synced.")
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform", "shop_id"],
                condition=~Q(shop_id=""),
                name="marketplace_connection_unique_shop",
            )
        ]
        indexes = [models.Index(fields=["account", "-created_at"], name="mkconn_account_created")]

    def __str__(self):
        return f"{self.get_platform_display()} {self.name or self.shop_id or self.pk}"

    @property
    def is_authorized(self) -> bool:
        return bool(self.access_token)


class SyncStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, some orders failed
    FAILED = "failed"


class SyncTrigger(models.TextChoices):
    API = "api"
    SCHEDULE = "schedule"
    COMMAND = "command"
    ADMIN = "admin"


class SyncJob(TenantModel):
    """One sync of one connection's orders updated in [start_date, end_date]. `resume` is where the platform's
    order list was when the last batch was committed: a worker that dies is replaced by one that starts there
    (the batch being written when it died is read again; the unique link per platform order means nothing is
    written twice)."""

    id = PrefixedIdField(kind="marketplace_sync_job")
    connection = models.ForeignKey(MarketplaceConnection, on_delete=models.CASCADE, related_name="sync_jobs")
    status = models.CharField(max_length=12, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    trigger = models.CharField(max_length=12, choices=SyncTrigger.choices, default=SyncTrigger.API)
    start_date = models.DateTimeField()
    end_date = models.DateTimeField()
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = JSONField(default=list, blank=True, help_text=f"Per-order errors (the first {MAX_SYNC_ERRORS}).")
    error = models.TextField(blank=True, default="", help_text="Why the job failed, when it did.")
    resume = JSONField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="mksync_account_created"),
            models.Index(fields=["status", "heartbeat_at"], name="mksync_status_heartbeat"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="mksync_range_ordered"),
        ]

    def __str__(self):
        return self.id

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or self.heartbeat_at or self.started_at
        return round((end - self.started_at).total_seconds(), 3)


class MarketplaceOrder(TenantModel):
    """A platform's order and the Omni Sales order it became: unique per connection and platform order, which
    is what keeps two syncs of one window (even at the same time) from creating it twice."""

    id = PrefixedIdField(kind="marketplace_order")
    # No index of its own: the unique constraint below starts with it.
    connection = models.ForeignKey(
        MarketplaceConnection, on_delete=models.CASCADE, related_name="orders", db_index=False
    )
    external_id = models.CharField(max_length=64)
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="marketplace_link")
    platform_status = models.CharField(max_length=200, blank=True, default="")
    platform_updated_at = models.DateTimeField()
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["-platform_updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="marketplace_order_unique_external")
        ]

    def __str__(self):
        return f"{self.connection.platform} {self.external_id}"


class MarketplaceBuyer(TenantModel):
    """A platform's buyer id and the customer it is (matched first by this, then by email or phone)."""

    id = PrefixedIdField(kind="marketplace_buyer")
    # No index of its own: the unique constraint below starts with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    buyer_id = models.CharField(max_length=64)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="marketplace_buyers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "platform", "buyer_id"], name="marketplace_buyer_unique")
        ]

    def __str__(self):
        return f"{self.platform} buyer {self.buyer_id}"


class MarketplaceListing(TenantModel):
    """A SKU the shop sells, as seen in its orders: the platform's listing ids (Shopee's item and model) and
    the variant it matched; the stock push sets its quantity."""

    id = PrefixedIdField(kind="marketplace_listing")
    connection = models.ForeignKey(MarketplaceConnection, on_delete=models.CASCADE, related_name="listings")
    sku = models.CharField(max_length=64)
    item_id = models.CharField(max_length=64, blank=True, default="")
    model_id = models.CharField(max_length=64, blank=True, default="")
    variant = models.ForeignKey(
        ProductVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="marketplace_listings"
    )
    pushed_quantity = models.IntegerField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    push_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["sku"]
        constraints = [models.UniqueConstraint(fields=["connection", "sku"], name="marketplace_listing_unique_sku")]

    def __str__(self):
        return f"{self.sku} on {self.connection_id}"
