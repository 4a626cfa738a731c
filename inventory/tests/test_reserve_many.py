"""`stock_reserve_many`: a batch of new references reserved as `stock_reserve(new_reference=True)` would
reserve them one after the other, in a fixed number of statements."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import ProductVariant
from inventory import services
from inventory.exceptions import InsufficientStock, ValidationFailed
from inventory.models import MovementType, StockLevel, StockMovement, StockReservation
from omnisales.testing.factories import product_with_variants
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

RESERVATION_FIELDS = (
    "reference_type",
    "reference_id",
    "product_id",
    "variant_id",
    "warehouse_id",
    "quantity",
    "status",
)
MOVEMENT_FIELDS = (
    "stock_level_id",
    "product_id",
    "variant_id",
    "warehouse_id",
    "type",
    "quantity",
    "on_hand_change",
    "reserved_change",
    "on_hand_after",
    "reserved_after",
    "reference_type",
    "reference_id",
    "reason",
    "note",
    "actor",
)


def variant_of(product) -> ProductVariant:
    """The product's one variant, its product loaded (what a line names)."""
    return ProductVariant.objects.select_related("product").get(product=product)


def loaded(variant) -> ProductVariant:
    return ProductVariant.objects.select_related("product").get(pk=variant.pk)


def level(variant, warehouse) -> StockLevel:
    return StockLevel.objects.get(variant=variant, warehouse=warehouse)


def low_stock_events(account) -> list[dict]:
    events = WebhookEvent.objects.filter(account=account, event_type="inventory.low_stock")
    return sorted((event.payload["data"] for event in events), key=lambda data: data["stockLevelId"])


def rows(reservations) -> list[tuple]:
    return [tuple(getattr(reservation, name) for name in RESERVATION_FIELDS) for reservation in reservations]


def state(account) -> dict:
    """Everything a reservation writes, without the ids and times of the new rows."""
    return {
        "levels": list(
            StockLevel.objects.filter(account=account)
            .order_by("pk")
            .values_list("pk", "on_hand", "reserved", "below_reorder_point")
        ),
        "reservations": sorted(
            StockReservation.objects.filter(account=account).values_list(*RESERVATION_FIELDS),
            key=lambda row: tuple(str(value) for value in row),
        ),
        # Per level, reserved only grows with reservations: its balance after orders the movements.
        "movements": list(
            StockMovement.objects.filter(account=account, type=MovementType.RESERVATION)
            .order_by("stock_level_id", "reserved_after")
            .values_list(*MOVEMENT_FIELDS)
        ),
        "low_stock": low_stock_events(account),
    }


def snapshot(account) -> tuple:
    return (
        sorted(StockLevel.objects.filter(account=account).values_list("id", "on_hand", "reserved")),
        StockMovement.objects.filter(account=account).count(),
        StockReservation.objects.filter(account=account).count(),
        WebhookEvent.objects.filter(account=account).count(),
    )


class _Undone(Exception):
    pass


def reserved_one_by_one(account, references, **options) -> tuple[dict, dict]:
    """What sequential `stock_reserve(new_reference=True)` calls return and write, then rolled back."""
    with pytest.raises(_Undone), transaction.atomic():
        returned = {
            reference_id: rows(
                services.stock_reserve(
                    account=account, reference_id=reference_id, lines=lines, new_reference=True, **options
                )
            )
            for reference_id, lines in references
        }
        written = state(account)
        raise _Undone
    return returned, written


@pytest.fixture
def warehouses(make_warehouse):
    first = make_warehouse(code="FIRST", priority=1)
    second = make_warehouse(code="SECOND", priority=2)
    closed = make_warehouse(code="CLOSED", priority=0, is_active=False)
    return first, second, closed


@pytest.fixture
def scenario(account, warehouses, make_product, receive):
    """Five orders sharing variants: split allocations over two warehouses, a product with options, a
    backorderable product, an untracked one, two levels that cross their reorder point."""
    first, second, closed = warehouses
    shared = make_product(sku="SHARED")
    receive(shared, first, 5)
    receive(shared, second, 20)
    receive(shared, closed, 50)
    services.stock_level_update(stock_level=level(variant_of(shared), first), reorder_point=2)
    shirt, (small, medium) = product_with_variants(account, sizes=("S", "M"))
    receive(shirt, second, 4, variant=small)
    receive(shirt, first, 3, variant=medium)
    backorderable = make_product(sku="BACKORDER", allow_backorder=True)
    receive(backorderable, first, 2)
    untracked = make_product(sku="UNTRACKED", track_inventory=False)

    shared, small, medium = variant_of(shared), loaded(small), loaded(medium)
    backorderable, untracked = variant_of(backorderable), variant_of(untracked)
    return [
        ("ord_1", [(shared, 3), (small, 2), (untracked, 5)]),
        ("ord_2", [(shared, 4), (backorderable, 2)]),
        ("ord_3", [(backorderable, 3), (shared, 1), (small, 1), (shared, 2)]),
        ("ord_4", [(untracked, 1)]),
        ("ord_5", [(medium, 3), (shared, 10), (small, 1)]),
    ]


def test_a_batch_reserves_exactly_what_sequential_reservations_would(account, warehouses, scenario, assert_ledger):
    first, second, _ = warehouses
    expected_returned, expected_written = reserved_one_by_one(account, scenario, actor="import@x.io")

    reserved = services.stock_reserve_many(account=account, references=scenario, actor="import@x.io")

    assert {reference_id: rows(reservations) for reference_id, reservations in reserved.items()} == expected_returned
    assert list(reserved) == ["ord_1", "ord_2", "ord_3", "ord_4", "ord_5"]
    written = state(account)
    assert written["levels"] == expected_written["levels"]
    assert written["reservations"] == expected_written["reservations"]
    assert written["movements"] == expected_written["movements"]
    assert written["low_stock"] == expected_written["low_stock"]
    assert written == expected_written
    # The scenario does what it says: a split, a backorder, a skipped product, two crossings.
    [shared, small, _untracked] = [variant for variant, _ in scenario[0][1]]
    assert [(r.warehouse_id, r.quantity) for r in reserved["ord_2"]] == [
        (first.id, 2),
        (second.id, 2),
        (first.id, 2),
    ]
    assert [(r.warehouse_id, r.quantity) for r in reserved["ord_3"] if r.variant_id == shared.pk] == [(second.id, 3)]
    assert [(r.warehouse_id, r.quantity) for r in reserved["ord_3"] if r.is_backorder] == [(None, 3)]
    assert reserved["ord_4"] == []
    assert not StockReservation.objects.filter(variant__product__track_inventory=False).exists()
    assert {(event["sku"], event["warehouseCode"]) for event in written["low_stock"]} == {
        ("SHARED", "FIRST"),
        ("BACKORDER", "FIRST"),
        (small.product.sku, "SECOND"),
        (small.product.sku, "FIRST"),
    }
    assert (level(shared, first).on_hand, level(shared, first).reserved) == (5, 5)
    assert (level(shared, second).on_hand, level(shared, second).reserved) == (20, 15)
    assert all(r.pk and not r._state.adding for rows_ in reserved.values() for r in rows_)
    assert_ledger()


def test_balances_after_each_movement_are_the_sequential_ones(account, scenario, assert_ledger):
    services.stock_reserve_many(account=account, references=scenario)

    for stock in StockLevel.objects.filter(account=account):
        movements = stock.movements.all()
        receipts = [m for m in movements if m.type == MovementType.RECEIPT]
        on_hand = sum(m.on_hand_change for m in receipts)
        reserved = 0
        for movement in sorted(
            (m for m in movements if m.type == MovementType.RESERVATION), key=lambda m: m.reserved_after
        ):
            reserved += movement.reserved_change
            assert (movement.on_hand_after, movement.reserved_after) == (on_hand, reserved)
        assert (stock.on_hand, stock.reserved) == (on_hand, reserved)
    assert_ledger()


def test_a_shortage_refuses_the_whole_batch_naming_every_short_reference(account, warehouses, make_product, receive):
    first, second, _ = warehouses
    plenty, short, empty = make_product(), make_product(sku="SHORT"), make_product(sku="EMPTY")
    receive(plenty, first, 100)
    receive(short, first, 2)
    receive(short, second, 1)
    plenty, short, empty = variant_of(plenty), variant_of(short), variant_of(empty)
    before = snapshot(account)

    with pytest.raises(InsufficientStock) as caught:
        services.stock_reserve_many(
            account=account,
            references=[
                ("ord_1", [(plenty, 5), (short, 2)]),
                ("ord_2", [(short, 2), (empty, 1)]),
                ("ord_3", [(short, 1)]),
                ("ord_4", [(plenty, 5)]),
            ],
        )

    assert caught.value.status_code == 409 and caught.value.code == "INSUFFICIENT_STOCK"
    assert caught.value.message.startswith("Not enough stock for this order")
    # ord_2 is refused, so ord_3 gets the unit ord_2 would have taken.
    assert [
        (entry["reference_id"], entry["product_id"], entry["requested"], entry["available"])
        for entry in caught.value.details["products"]
    ] == [("ord_2", short.product_id, 2, 1), ("ord_2", empty.product_id, 1, 0)]
    assert caught.value.details["product_ids"] == [short.product_id, empty.product_id]
    assert snapshot(account) == before


def test_every_short_reference_is_listed(account, warehouses, make_product, receive):
    first, _, _ = warehouses
    product = make_product()
    receive(product, first, 3)
    variant = variant_of(product)
    before = snapshot(account)

    with pytest.raises(InsufficientStock) as caught:
        services.stock_reserve_many(
            account=account,
            references=[("ord_1", [(variant, 4)]), ("ord_2", [(variant, 2)]), ("ord_3", [(variant, 2)])],
        )

    assert [(e["reference_id"], e["requested"], e["available"]) for e in caught.value.details["products"]] == [
        ("ord_1", 4, 3),
        ("ord_3", 2, 1),
    ]
    assert snapshot(account) == before


def test_allow_shortage_backorders_what_is_missing(account, warehouses, make_product, receive, assert_ledger):
    first, second, _ = warehouses
    product = make_product()
    receive(product, first, 2)
    receive(product, second, 1)
    variant = variant_of(product)

    reserved = services.stock_reserve_many(
        account=account,
        references=[("ord_1", [(variant, 2)]), ("ord_2", [(variant, 3)]), ("ord_3", [(variant, 1)])],
        allow_shortage=True,
    )

    assert [(r.warehouse_id, r.quantity, r.is_backorder) for r in reserved["ord_1"]] == [(first.id, 2, False)]
    assert [(r.warehouse_id, r.quantity, r.is_backorder) for r in reserved["ord_2"]] == [
        (second.id, 1, False),
        (None, 2, True),
    ]
    assert [(r.warehouse_id, r.quantity, r.is_backorder) for r in reserved["ord_3"]] == [(None, 1, True)]
    assert StockReservation.objects.filter(account=account, warehouse__isnull=True).count() == 2
    assert (level(variant, first).reserved, level(variant, second).reserved) == (2, 1)
    assert StockMovement.objects.filter(account=account, type=MovementType.RESERVATION).count() == 2
    assert_ledger()


def test_low_stock_fires_once_per_crossing_with_the_level_the_crossing_left(
    account, warehouses, make_product, receive, assert_ledger
):
    first, _, _ = warehouses
    product = make_product(sku="LOW-1")
    receive(product, first, 10)
    services.stock_level_update(stock_level=level(variant_of(product), first), reorder_point=5, reorder_quantity=20)
    variant = variant_of(product)

    services.stock_reserve_many(
        account=account,
        references=[(f"ord_{n}", [(variant, quantity)]) for n, quantity in enumerate([4, 1, 2, 1], start=1)],
    )

    [event] = low_stock_events(account)
    assert (event["sku"], event["onHand"], event["reserved"], event["available"]) == ("LOW-1", 10, 5, 5)
    assert level(variant, first).below_reorder_point is True
    assert (level(variant, first).on_hand, level(variant, first).reserved) == (10, 8)
    assert_ledger()


def batch(variants, count: int, start: int) -> list:
    return [(f"ord_{n}", [(variant, 1) for variant in variants]) for n in range(start, start + count)]


@pytest.mark.parametrize("reorder_point", [0, 999], ids=["no-crossing", "crossing"])
def test_the_statement_count_does_not_depend_on_the_batch_size(
    account, other_account, make_warehouse, make_product, receive, reorder_point, assert_ledger
):
    counts = []
    for owner, size in ((account, 2), (other_account, 20)):
        first = make_warehouse(account=owner, code="MAIN", priority=1)
        second = make_warehouse(account=owner, code="SPARE", priority=2)
        products = [make_product(account=owner) for _ in range(3)]
        for product in products:
            receive(product, first, 1000)
            receive(product, second, 1000)
            services.stock_level_update(stock_level=level(variant_of(product), first), reorder_point=reorder_point)
        variants = [variant_of(product) for product in products]
        with CaptureQueriesContext(connection) as statements:
            reserved = services.stock_reserve_many(account=owner, references=batch(variants, size, 1))
        assert sum(len(rows_) for rows_ in reserved.values()) == 3 * size
        counts.append([query["sql"].split()[0] for query in statements])
        assert len(low_stock_events(owner)) == (3 if reorder_point else 0)
        assert_ledger(owner)
    assert len(counts[0]) == len(counts[1])
    if not reorder_point:
        # SAVEPOINT, the locking read, one UPDATE, the reservations, the movements, RELEASE SAVEPOINT.
        assert counts[0] == ["SAVEPOINT", "SELECT", "UPDATE", "INSERT", "INSERT", "RELEASE"]


@pytest.mark.postgres
def test_a_large_batch_copies_its_rows_in_the_same_statements(account, warehouses, make_product, receive):
    first, second, _ = warehouses
    products = [make_product() for _ in range(3)]
    for product in products:
        receive(product, first, 1000)
        receive(product, second, 10)
    variants = [variant_of(product) for product in products]
    with CaptureQueriesContext(connection) as small:
        services.stock_reserve_many(account=account, references=batch(variants, 2, 1))
    with CaptureQueriesContext(connection) as large:
        reserved = services.stock_reserve_many(account=account, references=batch(variants, 300, 3))

    assert len(reserved) == 300
    assert StockReservation.objects.filter(account=account).count() == 3 * 302
    assert StockMovement.objects.filter(account=account, type=MovementType.RESERVATION).count() == 3 * 302
    assert [q["sql"].split()[0] for q in large] == ["SAVEPOINT", "SELECT", "UPDATE", "RELEASE"], (
        "reservations and movements beyond INSERT_MAX_ROWS go by COPY (not logged)"
    )
    assert len(small) == 6
    for variant in variants:
        assert (level(variant, first).reserved, level(variant, second).reserved) == (302, 0)


def test_bad_lines_are_refused_before_anything_is_written(account, other_account, warehouses, make_product, receive):
    first, _, _ = warehouses
    product = make_product()
    receive(product, first, 10)
    variant = variant_of(product)
    foreign = variant_of(make_product(account=other_account))
    before = snapshot(account)

    with pytest.raises(ValidationFailed):
        services.stock_reserve_many(account=account, references=[("ord_1", [(variant, 1)]), ("ord_2", [(variant, 0)])])
    with pytest.raises(ValueError, match="another account"):
        services.stock_reserve_many(account=account, references=[("ord_1", [(variant, 1)]), ("ord_2", [(foreign, 1)])])
    with pytest.raises(ValueError, match="twice"):
        services.stock_reserve_many(account=account, references=[("ord_1", [(variant, 1)]), ("ord_1", [(variant, 1)])])
    assert snapshot(account) == before


def test_a_batch_with_nothing_tracked_runs_no_statement(account, make_product):
    untracked = variant_of(make_product(track_inventory=False))
    with CaptureQueriesContext(connection) as statements:
        reserved = services.stock_reserve_many(account=account, references=[("ord_1", [(untracked, 2)]), ("ord_2", [])])
    assert reserved == {"ord_1": [], "ord_2": []}
    assert [q["sql"].split()[0] for q in statements] == ["SAVEPOINT", "RELEASE"]


def test_sold_references_end_where_reserving_then_fulfilling_them_would(account, warehouses, scenario, assert_ledger):
    """`sold` (imported orders already shipped): the levels, and the fulfilled reservations, are those of
    stock_reserve then stock_fulfil of each sold reference; the ledger has one sale per allocation."""
    sold = {"ord_1", "ord_5"}  # no backorders: fulfil would refuse those
    with pytest.raises(_Undone), transaction.atomic():
        for reference_id, lines in scenario:
            services.stock_reserve(account=account, reference_id=reference_id, lines=lines, new_reference=True)
            if reference_id in sold:
                services.stock_fulfil(account=account, reference_id=reference_id)
        expected_levels = state(account)["levels"]
        expected_reservations = state(account)["reservations"]
        raise _Undone

    services.stock_reserve_many(account=account, references=scenario, sold=sold)

    after = state(account)
    assert after["levels"] == expected_levels
    assert after["reservations"] == expected_reservations
    sales = StockMovement.objects.filter(account=account, type=MovementType.SALE)
    assert {movement.reference_id for movement in sales} == sold
    assert all(movement.reserved_change == 0 and movement.on_hand_change < 0 for movement in sales)
    assert not StockMovement.objects.filter(account=account, type=MovementType.RESERVATION, reference_id__in=sold)
    assert_ledger(account)


@pytest.mark.parametrize("references", [2, 60], ids=["a few rows (insert)", "rows by the hundred (COPY)"])
def test_without_returning_the_same_rows_are_written_and_nothing_is_returned(
    account, warehouses, make_product, receive, references, assert_ledger
):
    """`returning=False` (an import) writes its rows as tuples: the same reservations, movements and levels
    as the default, which returns the reservations."""
    first, second, _ = warehouses
    products = [make_product() for _ in range(3)]
    for product in products:
        receive(product, first, 100)
        receive(product, second, 100)
    variants = [variant_of(product) for product in products]
    lines = batch(variants, references, 1)
    with pytest.raises(_Undone), transaction.atomic():
        returned = services.stock_reserve_many(account=account, references=lines, actor="import@x.io")
        expected = state(account)
        raise _Undone

    assert services.stock_reserve_many(account=account, references=lines, actor="import@x.io", returning=False) is None
    assert state(account) == expected
    assert sum(len(reservations) for reservations in returned.values()) == 3 * references
    movement = StockMovement.objects.filter(account=account, type=MovementType.RESERVATION).order_by("id").first()
    assert movement.id.startswith("mov_") and movement.actor == "import@x.io"
    assert movement.created_at.tzinfo is not None
    assert abs((movement.created_at - timezone.now()).total_seconds()) < 60
    assert_ledger()
