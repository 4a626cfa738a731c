"""Demo inventory: three warehouses and stock of every variant of every tracked demo product in them (one
variant for a product without options, one per size and colour for MEN-005), some of it below the reorder
point, each stock level opened by a receipt movement so the ledger sums to the stock.

Deterministic and idempotent: warehouses are matched by code, and only stock levels that do not exist yet are
created (in bulk, with their receipts). A couple of transfers go through the real service on the first run.
"""

import random

from django.db import transaction

from catalog.models import ProductVariant, VariantStatus

from . import services
from .models import AdjustmentReason, MovementType, ReferenceType, StockLevel, StockMovement, Warehouse

# code, name, priority, line1, city, region, postal code, country
WAREHOUSES = [
    ("MAIN", "Main Distribution Center", 10, "1200 Commerce Way", "Springfield", "IL", "62701", "US"),
    ("EAST", "East Coast Fulfilment", 20, "48 Harbor Street", "Newark", "NJ", "07105", "US"),
    ("WEST", "West Coast Fulfilment", 30, "950 Bayshore Blvd", "Oakland", "CA", "94607", "US"),
]
ACTOR = "system"


def _warehouses(account, log) -> dict[str, Warehouse]:
    existing = {w.code: w for w in Warehouse.objects.filter(account=account, archived_at__isnull=True)}
    for code, name, priority, line1, city, region, postal_code, country in WAREHOUSES:
        if code not in existing:
            existing[code] = services.warehouse_create(
                account=account,
                name=name,
                code=code,
                priority=priority,
                address_line_1=line1,
                city=city,
                region=region,
                postal_code=postal_code,
                country=country,
            )
            log(f"  inventory: warehouse {code}")
    return existing


def _levels(account, warehouses: dict[str, Warehouse]) -> tuple[list[StockLevel], list[StockMovement]]:
    """New stock levels and their opening receipts. Roughly one in six is at or below its reorder point."""
    rng = random.Random(20240201)  # noqa: S311 - reproducible demo data, not security
    variants = (
        ProductVariant.objects.filter(account=account, product__track_inventory=True)
        .exclude(status=VariantStatus.ARCHIVED)
        .select_related("product")
        .order_by("product__sku", "position", "id")
    )
    have = set(StockLevel.objects.filter(account=account).values_list("variant_id", "warehouse_id"))
    levels, receipts = [], []
    for variant in variants:
        for code, *_ in WAREHOUSES:
            warehouse = warehouses[code]
            reorder_point = rng.choice([5, 10, 15, 20])
            low = rng.random() < 0.17
            on_hand = rng.randint(0, reorder_point) if low else rng.randint(reorder_point + 5, reorder_point + 120)
            if (variant.pk, warehouse.pk) in have:
                continue
            level = StockLevel(
                account=account,
                product=variant.product,
                variant=variant,
                warehouse=warehouse,
                on_hand=on_hand,
                reorder_point=reorder_point,
                reorder_quantity=reorder_point * 4,
                below_reorder_point=on_hand <= reorder_point,
            )
            levels.append(level)
            if on_hand:
                receipts.append(
                    services.movement_for(
                        level,
                        type=MovementType.RECEIPT,
                        on_hand_change=on_hand,
                        reference_type=ReferenceType.ADJUSTMENT,
                        reason=AdjustmentReason.RECEIVED,
                        note="Opening stock",
                        actor=ACTOR,
                    )
                )
    return levels, receipts


@transaction.atomic
def seed(account, *, user, log) -> None:
    warehouses = _warehouses(account, log)
    levels, receipts = _levels(account, warehouses)
    if not levels:
        log("  inventory: stock levels unchanged")
        return
    StockLevel.objects.bulk_create(levels, batch_size=500)
    for receipt in receipts:
        receipt.reference_id = receipt.id
    StockMovement.objects.bulk_create(receipts, batch_size=500)
    log(f"  inventory: {len(levels)} stock levels, {sum(level.below_reorder_point for level in levels)} low")
    # Rebalance a little through the real service, so the demo ledger shows transfers too.
    moved = 0
    for level in sorted(levels, key=lambda level: level.pk)[:40]:
        if level.warehouse.code == "MAIN" and level.on_hand >= 40 and moved < 2:
            services.stock_transfer_create(
                account=account,
                variant=level.variant,
                from_warehouse=warehouses["MAIN"],
                to_warehouse=warehouses["WEST"],
                quantity=10,
                note="Demo rebalancing",
                actor=user.email if user else ACTOR,
            )
            moved += 1
