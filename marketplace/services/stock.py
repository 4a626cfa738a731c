"""Stock push: each connection's listings that matched a variant get the variant's available stock (on hand
less reserved, over active warehouses) less the connection's buffer, never below zero.

Pushing is debounced and batched by design: a periodic task (MARKETPLACE_STOCK_PUSH_SECONDS) compares
what each listing should show with what was last pushed and sends only the differences, at most a
platform batch per call, so a burst of stock changes becomes one push per listing. Products that do not
track inventory are not pushed.
"""

from django.db.models import Sum
from django.utils import timezone

from inventory.models import StockLevel

from ..exceptions import ConnectionDisabled, ConnectionNotAuthorized, StockPushNotSupported
from ..models import ConnectionStatus, MarketplaceConnection, MarketplaceListing
from ..platforms import PLATFORMS
from ..providers.base import MarketplaceError, StockUpdate, chunks
from .connections import client as connection_client

PUSH_BATCH = 50


def stock_wanted(connection: MarketplaceConnection) -> list[tuple[MarketplaceListing, int]]:
    """Each pushable listing of the connection with the quantity it should show (one statement each for the
    listings and the stock)."""
    listings = list(
        MarketplaceListing.objects.filter(
            connection=connection, variant__isnull=False, variant__product__track_inventory=True
        )
        .select_related("variant")
        .order_by("sku")
    )
    if not listings:
        return []
    totals = {
        row["variant_id"]: (row["on_hand"] or 0) - (row["reserved"] or 0)
        for row in StockLevel.objects.filter(
            account_id=connection.account_id,
            variant_id__in={listing.variant_id for listing in listings},
            warehouse__is_active=True,
            warehouse__archived_at__isnull=True,
        )
        .values("variant_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        .order_by()
    }
    return [(listing, max(0, totals.get(listing.variant_id, 0) - connection.stock_buffer)) for listing in listings]


def stock_push(*, connection: MarketplaceConnection, force: bool = False, **client_options) -> dict[str, int]:
    """Pushes the listings whose quantity changed since the last push (every listing with `force`). Returns
    counts: pushed, failed, unchanged. Per-listing failures are kept on the listing (`push_error`)."""
    if not PLATFORMS[connection.platform].supports_stock_push:
        raise StockPushNotSupported(
            f"{PLATFORMS[connection.platform].name} has no stock updates", details={"platform": connection.platform}
        )
    if connection.status == ConnectionStatus.DISABLED:
        raise ConnectionDisabled("The connection is disabled: enable it first", details={"id": connection.pk})
    if not connection.is_authorized:
        raise ConnectionNotAuthorized(
            "The shop is not authorized yet: POST /api/marketplace/connections/{id}/authorize",
            details={"id": connection.pk},
        )
    wanted = stock_wanted(connection)
    due = [
        (listing, quantity)
        for listing, quantity in wanted
        if force or listing.pushed_quantity != quantity or listing.push_error
    ]
    counts = {"pushed": 0, "failed": 0, "unchanged": len(wanted) - len(due)}
    if not due:
        return counts
    platform = connection_client(connection, **client_options)
    for batch in chunks(due, PUSH_BATCH):
        updates = [
            StockUpdate(sku=listing.sku, quantity=quantity, item_id=listing.item_id, model_id=listing.model_id)
            for listing, quantity in batch
        ]
        try:
            results = platform.push_stock(updates)
        except MarketplaceError as exc:
            results = {update.sku: str(exc) for update in updates}
        now = timezone.now()
        for listing, quantity in batch:
            error = results.get(listing.sku)
            listing.push_error = (error or "")[:500]
            if error:
                counts["failed"] += 1
            else:
                listing.pushed_quantity, listing.pushed_at = quantity, now
                counts["pushed"] += 1
        MarketplaceListing.objects.bulk_update(
            [listing for listing, _ in batch], ["pushed_quantity", "pushed_at", "push_error", "updated_at"]
        )
    return counts


def connections_to_push() -> list[str]:
    return list(
        MarketplaceConnection.objects.filter(
            status=ConnectionStatus.ACTIVE,
            push_stock=True,
            platform__in=[p for p, info in PLATFORMS.items() if info.supports_stock_push],
        ).values_list("pk", flat=True)
    )
