"""The services orders call (reserve, release, fulfil, return) and the stock rules every entry point shares.
After every scenario the ledger must still sum to the stock levels."""

import pytest
from django.db import IntegrityError, transaction

from catalog.models import default_variant_id
from catalog.services import product_delete
from inventory import selectors, services
from inventory.exceptions import (
    DuplicateWarehouseCode,
    InsufficientStock,
    NoActiveWarehouse,
    ProductNotTracked,
    SameWarehouse,
    ValidationFailed,
    WarehouseArchived,
    WarehouseInactive,
    WarehouseNotEmpty,
)
from inventory.models import (
    MovementType,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
    Warehouse,
)
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def quantities(product, warehouse) -> tuple[int, int]:
    stock = level(product, warehouse)
    return stock.on_hand, stock.reserved


def snapshot(account):
    return (
        sorted(StockLevel.objects.filter(account=account).values_list("id", "on_hand", "reserved")),
        StockMovement.objects.filter(account=account).count(),
        sorted(StockReservation.objects.filter(account=account).values_list("id", "status", "quantity")),
        WebhookEvent.objects.filter(account=account).count(),
    )


@pytest.fixture
def two_warehouses(make_warehouse):
    return make_warehouse(code="FIRST", priority=1), make_warehouse(code="SECOND", priority=2)


# --- reserve ------------------------------------------------------------------------------------


def test_reserve_takes_the_highest_priority_warehouse_then_splits(
    account, two_warehouses, make_warehouse, make_product, receive, assert_ledger
):
    first, second = two_warehouses
    inactive = make_warehouse(code="CLOSED", priority=0, is_active=False)
    product = make_product()
    receive(product, first, 3)
    receive(product, second, 10)
    receive(product, inactive, 50)

    reservations = services.stock_reserve(account=account, reference_id="ord_A", lines=[(product, 5)], actor="a@x.io")

    assert [(r.warehouse_id, r.quantity) for r in reservations] == [(first.id, 3), (second.id, 2)]
    assert quantities(product, first) == (3, 3)
    assert quantities(product, second) == (10, 2)
    assert quantities(product, inactive) == (50, 0), "inactive warehouses are never allocated from"
    movements = StockMovement.objects.filter(type=MovementType.RESERVATION).order_by("warehouse__priority")
    assert [(m.quantity, m.on_hand_change, m.reserved_change, m.reserved_after) for m in movements] == [
        (3, 0, 3, 3),
        (2, 0, 2, 2),
    ]
    assert {(m.reference_type, m.reference_id, m.actor) for m in movements} == {("order", "ord_A", "a@x.io")}
    assert_ledger()


def test_a_new_reference_is_reserved_without_looking_for_its_reservations(
    account, two_warehouses, make_product, receive, assert_ledger
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 10)
    with CaptureQueriesContext(connection) as looked_up:
        services.stock_reserve(account=account, reference_id="ord_old", lines=[(product, 1)])
    with CaptureQueriesContext(connection) as new:
        reserved = services.stock_reserve(
            account=account, reference_id="ord_new", lines=[(product, 2)], new_reference=True
        )
    assert [(r.reference_id, r.quantity) for r in reserved] == [("ord_new", 2)]
    assert len(new) == len(looked_up) - 1
    assert not any("inventory_stockreservation" in q["sql"] and q["sql"].startswith("SELECT") for q in new)
    assert quantities(product, first) == (10, 3)
    assert_ledger()


def test_reserve_is_all_or_nothing_and_names_every_short_product(account, two_warehouses, make_product, receive):
    first, second = two_warehouses
    plenty, short, empty = make_product(), make_product(), make_product()
    receive(plenty, first, 100)
    receive(short, first, 2)
    receive(short, second, 1)
    before = snapshot(account)

    with pytest.raises(InsufficientStock) as caught:
        services.stock_reserve(account=account, reference_id="ord_B", lines=[(plenty, 5), (short, 4), (empty, 1)])

    assert caught.value.status_code == 409 and caught.value.code == "INSUFFICIENT_STOCK"
    assert caught.value.details["product_ids"] == [short.id, empty.id]
    products = {entry["product_id"]: entry for entry in caught.value.details["products"]}
    assert (products[short.id]["requested"], products[short.id]["available"]) == (4, 3)
    assert (products[empty.id]["requested"], products[empty.id]["available"]) == (1, 0)
    assert snapshot(account) == before


def test_reserve_skips_untracked_products_and_adds_up_lines_of_one_product(
    account, two_warehouses, make_product, receive, assert_ledger
):
    first, _ = two_warehouses
    tracked, untracked = make_product(), make_product(track_inventory=False)
    receive(tracked, first, 10)

    reservations = services.stock_reserve(
        account=account, reference_id="ord_C", lines=[(tracked, 2), (untracked, 99), (tracked, 3)]
    )

    assert [(r.product_id, r.quantity) for r in reservations] == [(tracked.id, 5)]
    assert services.stock_reserve(account=account, reference_id="ord_D", lines=[(untracked, 5)]) == []
    assert_ledger()


def test_reserve_is_idempotent_per_reference(account, two_warehouses, make_product, receive, assert_ledger):
    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 10)
    made = services.stock_reserve(account=account, reference_id="ord_E", lines=[(product, 4)])
    again = services.stock_reserve(account=account, reference_id="ord_E", lines=[(product, 4)])

    assert [r.pk for r in again] == [r.pk for r in made]
    assert quantities(product, first) == (10, 4)
    assert StockMovement.objects.filter(type=MovementType.RESERVATION).count() == 1
    assert_ledger()


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", True])
def test_reserve_refuses_quantities_that_are_not_positive_integers(account, make_product, quantity):
    with pytest.raises(ValidationFailed):
        services.stock_reserve(account=account, reference_id="ord_F", lines=[(make_product(), quantity)])


def test_reserve_refuses_another_accounts_product(account, other_account, make_product):
    with pytest.raises(ValueError, match="another account"):
        services.stock_reserve(account=account, reference_id="ord_G", lines=[(make_product(account=other_account), 1)])


# --- release, fulfil --------------------------------------------------------------------------------


def test_release_returns_stock_to_available_once(account, two_warehouses, make_product, receive, assert_ledger):
    first, second = two_warehouses
    product = make_product()
    receive(product, first, 2)
    receive(product, second, 5)
    services.stock_reserve(account=account, reference_id="ord_H", lines=[(product, 4)])

    released = services.stock_release(account=account, reference_id="ord_H", actor="staff@x.io")

    assert {r.status for r in released} == {ReservationStatus.RELEASED}
    assert quantities(product, first) == (2, 0) and quantities(product, second) == (5, 0)
    releases = StockMovement.objects.filter(type=MovementType.RELEASE)
    assert sorted(m.quantity for m in releases) == [-2, -2]
    assert services.stock_release(account=account, reference_id="ord_H") == []
    assert StockMovement.objects.filter(type=MovementType.RELEASE).count() == 2
    assert services.stock_fulfil(account=account, reference_id="ord_H") == [], "nothing active left to ship"
    assert_ledger()


def test_a_released_reference_can_reserve_again(account, two_warehouses, make_product, receive, assert_ledger):
    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 3)
    services.stock_reserve(account=account, reference_id="ord_I", lines=[(product, 3)])
    services.stock_release(account=account, reference_id="ord_I")
    services.stock_reserve(account=account, reference_id="ord_I", lines=[(product, 2)])
    assert quantities(product, first) == (3, 2)
    assert_ledger()


def test_fulfil_turns_reservations_into_sales_once(account, two_warehouses, make_product, receive, assert_ledger):
    first, second = two_warehouses
    product = make_product()
    receive(product, first, 2)
    receive(product, second, 5)
    services.stock_reserve(account=account, reference_id="ord_J", lines=[(product, 4)])

    fulfilled = services.stock_fulfil(account=account, reference_id="ord_J")

    assert {r.status for r in fulfilled} == {ReservationStatus.FULFILLED}
    assert quantities(product, first) == (0, 0) and quantities(product, second) == (3, 0)
    sales = StockMovement.objects.filter(type=MovementType.SALE)
    assert sorted((m.quantity, m.on_hand_change, m.reserved_change) for m in sales) == [(-2, -2, -2), (-2, -2, -2)]
    assert services.stock_fulfil(account=account, reference_id="ord_J") == []
    assert services.stock_release(account=account, reference_id="ord_J") == [], "shipped stock is not released"
    assert quantities(product, second) == (3, 0)
    assert_ledger()


def test_backorders_reserve_what_exists_and_ship_when_stock_arrives(
    account, two_warehouses, make_product, receive, assert_ledger
):
    first, second = two_warehouses
    product = make_product(allow_backorder=True)
    receive(product, first, 3)

    reservations = services.stock_reserve(account=account, reference_id="ord_K", lines=[(product, 5)])

    assert [(r.warehouse_id, r.quantity, r.is_backorder) for r in reservations] == [
        (first.id, 3, False),
        (None, 2, True),
    ]
    assert quantities(product, first) == (3, 3), "never more reserved than on hand"
    assert_ledger()

    before = snapshot(account)
    with pytest.raises(InsufficientStock) as caught:
        services.stock_fulfil(account=account, reference_id="ord_K")
    assert caught.value.details["products"][0]["backordered"] is True
    assert snapshot(account) == before

    receive(product, second, 1)
    receive(product, first, 4)
    fulfilled = services.stock_fulfil(account=account, reference_id="ord_K")

    assert sorted((r.warehouse_id, r.quantity) for r in fulfilled) == sorted([(first.id, 3), (first.id, 2)])
    assert quantities(product, first) == (2, 0) and quantities(product, second) == (1, 0)
    assert StockReservation.objects.filter(status=ReservationStatus.ACTIVE).count() == 0
    assert_ledger()


def test_a_backorder_split_over_warehouses_is_recorded_per_warehouse(
    account, two_warehouses, make_product, receive, assert_ledger
):
    first, second = two_warehouses
    product = make_product(allow_backorder=True)
    services.stock_reserve(account=account, reference_id="ord_L", lines=[(product, 4)])
    receive(product, first, 1)
    receive(product, second, 5)

    fulfilled = services.stock_fulfil(account=account, reference_id="ord_L")

    assert sorted((r.warehouse_id, r.quantity, r.status) for r in fulfilled) == sorted(
        [(first.id, 1, "fulfilled"), (second.id, 3, "fulfilled")]
    )
    assert StockReservation.objects.filter(reference_id="ord_L").count() == 2
    assert quantities(product, first) == (0, 0) and quantities(product, second) == (2, 0)
    assert_ledger()


def test_releasing_a_backorder_only_closes_it(account, make_product, assert_ledger):
    product = make_product(allow_backorder=True)
    [backorder] = services.stock_reserve(account=account, reference_id="ord_M", lines=[(product, 2)])
    assert backorder.is_backorder
    services.stock_release(account=account, reference_id="ord_M")
    backorder.refresh_from_db()
    assert backorder.status == ReservationStatus.RELEASED
    assert not StockMovement.objects.exists()
    assert_ledger()


# --- return ----------------------------------------------------------------------------------------


def test_return_restocks_the_first_active_warehouse_once(account, two_warehouses, make_product, assert_ledger):
    first, second = two_warehouses
    product = make_product()
    movement = services.stock_return(account=account, reference_id="ret_1", product=product, quantity=2, actor="s")
    assert (movement.type, movement.quantity, movement.reference_type, movement.warehouse_id) == (
        "return",
        2,
        "return",
        first.id,
    )
    assert services.stock_return(account=account, reference_id="ret_1", product=product, quantity=2) is None
    services.stock_return(account=account, reference_id="ret_2", product=product, quantity=1, warehouse=second)
    assert quantities(product, first) == (2, 0) and quantities(product, second) == (1, 0)
    untracked = make_product(track_inventory=False)
    assert services.stock_return(account=account, reference_id="ret_3", product=untracked, quantity=1) is None
    assert_ledger()


def test_return_without_an_active_warehouse_is_a_conflict(account, make_warehouse, make_product):
    make_warehouse(is_active=False)
    with pytest.raises(NoActiveWarehouse):
        services.stock_return(account=account, reference_id="ret_4", product=make_product(), quantity=1)


# --- adjust, transfer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "quantity", "expected_type"),
    [
        ("received", 5, "receipt"),
        ("returned", 5, "return"),
        ("count_correction", 5, "adjustment"),
        ("count_correction", -5, "adjustment"),
        ("other", -1, "adjustment"),
        ("damaged", -2, "adjustment"),
        ("lost", -2, "adjustment"),
    ],
)
def test_adjust_records_the_movement_its_reason_calls_for(
    account, two_warehouses, make_product, receive, assert_ledger, reason, quantity, expected_type
):
    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 10)
    movement = services.stock_adjust(
        account=account, product=product, warehouse=first, quantity=quantity, reason=reason, note=" counted "
    )
    assert (movement.type, movement.quantity, movement.reason, movement.note) == (
        expected_type,
        quantity,
        reason,
        "counted",
    )
    assert (movement.reference_type, movement.reference_id) == ("adjustment", movement.id)
    assert quantities(product, first) == (10 + quantity, 0)
    assert_ledger()


@pytest.mark.parametrize(
    ("reason", "quantity"), [("received", -1), ("returned", -3), ("damaged", 1), ("lost", 2), ("other", 0)]
)
def test_adjust_refuses_a_sign_its_reason_does_not_allow(account, two_warehouses, make_product, reason, quantity):
    with pytest.raises(ValidationFailed):
        services.stock_adjust(
            account=account, product=make_product(), warehouse=two_warehouses[0], quantity=quantity, reason=reason
        )
    assert not StockLevel.objects.exists()


def test_adjust_never_takes_on_hand_below_reserved(account, two_warehouses, make_product, receive, assert_ledger):
    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 5)
    services.stock_reserve(account=account, reference_id="ord_N", lines=[(product, 3)])
    before = snapshot(account)
    with pytest.raises(InsufficientStock) as caught:
        services.stock_adjust(account=account, product=product, warehouse=first, quantity=-3, reason="damaged")
    assert caught.value.details["products"][0] | {"product_id": None, "sku": None} == {
        "product_id": None,
        "variant_id": None,
        "sku": None,
        "requested": 3,
        "available": 2,
        "warehouse_id": first.id,
        "on_hand": 5,
        "reserved": 3,
    }
    assert snapshot(account) == before
    services.stock_adjust(account=account, product=product, warehouse=first, quantity=-2, reason="damaged")
    assert quantities(product, first) == (3, 3)
    assert_ledger()


def test_stock_of_untracked_products_cannot_be_adjusted_or_moved(account, two_warehouses, make_product):
    product = make_product(track_inventory=False)
    first, second = two_warehouses
    with pytest.raises(ProductNotTracked):
        services.stock_adjust(account=account, product=product, warehouse=first, quantity=1, reason="received")
    with pytest.raises(ProductNotTracked):
        services.stock_transfer_create(
            account=account, product=product, from_warehouse=first, to_warehouse=second, quantity=1
        )


def test_transfer_moves_only_available_stock(account, two_warehouses, make_product, receive, assert_ledger):
    first, second = two_warehouses
    product = make_product()
    receive(product, first, 10)
    services.stock_reserve(account=account, reference_id="ord_O", lines=[(product, 4)])
    with pytest.raises(InsufficientStock):
        services.stock_transfer_create(
            account=account, product=product, from_warehouse=first, to_warehouse=second, quantity=7
        )
    transfer = services.stock_transfer_create(
        account=account, product=product, from_warehouse=first, to_warehouse=second, quantity=6, note="rebalance"
    )
    assert quantities(product, first) == (4, 4) and quantities(product, second) == (6, 0)
    moves = StockMovement.objects.filter(reference_id=transfer.id).order_by("quantity")
    assert [(m.type, m.quantity, m.warehouse_id, m.note) for m in moves] == [
        ("transfer_out", -6, first.id, "rebalance"),
        ("transfer_in", 6, second.id, "rebalance"),
    ]
    assert_ledger()


def test_transfer_rules(account, two_warehouses, make_warehouse, make_product, receive):
    first, second = two_warehouses
    closed = make_warehouse(is_active=False)
    product = make_product()
    receive(product, first, 10)
    with pytest.raises(SameWarehouse):
        services.stock_transfer_create(
            account=account, product=product, from_warehouse=first, to_warehouse=first, quantity=1
        )
    with pytest.raises(WarehouseInactive):
        services.stock_transfer_create(
            account=account, product=product, from_warehouse=first, to_warehouse=closed, quantity=1
        )
    for quantity in (0, -1):
        with pytest.raises(ValidationFailed):
            services.stock_transfer_create(
                account=account, product=product, from_warehouse=first, to_warehouse=second, quantity=quantity
            )
    assert not StockTransfer.objects.exists()
    # Stock can always be moved out of an inactive warehouse (that is how one is emptied).
    receive(product, closed, 2)
    services.stock_transfer_create(
        account=account, product=product, from_warehouse=closed, to_warehouse=second, quantity=2
    )


# --- low-stock events ---------------------------------------------------------------------------------


def low_stock_events(account):
    return list(WebhookEvent.objects.filter(account=account, event_type="inventory.low_stock").order_by("created_at"))


def test_low_stock_fires_once_per_crossing(account, two_warehouses, make_product, receive, assert_ledger):
    first, _ = two_warehouses
    product = make_product(sku="LOW-1")
    receive(product, first, 10)
    stock = level(product, first)
    services.stock_level_update(stock_level=stock, reorder_point=5, reorder_quantity=20)
    assert low_stock_events(account) == []

    services.stock_reserve(account=account, reference_id="ord_P", lines=[(product, 4)])  # available 6
    assert low_stock_events(account) == []
    services.stock_reserve(account=account, reference_id="ord_Q", lines=[(product, 1)])  # available 5: crossing
    [event] = low_stock_events(account)
    assert event.payload["data"] | {"stockLevelId": None} == {
        "stockLevelId": None,
        "productId": product.id,
        "sku": "LOW-1",
        "variantId": None,
        "variantSku": None,
        "variantTitle": None,
        "productName": product.name,
        "warehouseId": first.id,
        "warehouseCode": first.code,
        "onHand": 10,
        "reserved": 5,
        "available": 5,
        "reorderPoint": 5,
        "reorderQuantity": 20,
    }
    services.stock_reserve(account=account, reference_id="ord_R", lines=[(product, 2)])  # still below: no event
    assert len(low_stock_events(account)) == 1
    receive(product, first, 10)  # available 13: back above, flag cleared
    assert level(product, first).below_reorder_point is False
    services.stock_adjust(account=account, product=product, warehouse=first, quantity=-8, reason="lost")
    assert len(low_stock_events(account)) == 2, "a new crossing fires again"
    assert_ledger()


def test_raising_the_reorder_point_over_available_is_a_crossing(account, two_warehouses, make_product, receive):
    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 10)
    stock = services.stock_level_update(stock_level=level(product, first), reorder_point=10)
    assert stock.below_reorder_point is True and stock.reorder_point == 10
    assert len(low_stock_events(account)) == 1
    services.stock_level_update(stock_level=stock, reorder_quantity=30)
    assert len(low_stock_events(account)) == 1


def test_inactive_warehouses_do_not_raise_low_stock(account, make_warehouse, make_product, receive, assert_ledger):
    closed = make_warehouse(is_active=False)
    product = make_product()
    receive(product, closed, 3)
    services.stock_adjust(account=account, product=product, warehouse=closed, quantity=-3, reason="damaged")
    assert level(product, closed).below_reorder_point is True
    assert low_stock_events(account) == []
    assert_ledger()


# --- warehouses -----------------------------------------------------------------------------------------


def test_warehouse_codes_are_unique_among_live_warehouses(account, other_account):
    services.warehouse_create(account=account, name="Main", code="main")
    with pytest.raises(DuplicateWarehouseCode):
        services.warehouse_create(account=account, name="Other", code=" MAIN ")
    services.warehouse_create(account=other_account, name="Main", code="MAIN")


def test_deleting_warehouses(account, two_warehouses, make_product, receive, assert_ledger):
    first, second = two_warehouses
    product = make_product()
    receive(product, first, 2)
    with pytest.raises(WarehouseNotEmpty) as caught:
        services.warehouse_delete(warehouse=first)
    assert caught.value.details == {"onHand": 2, "reserved": 0}

    services.stock_transfer_create(
        account=account, product=product, from_warehouse=first, to_warehouse=second, quantity=2
    )
    assert services.warehouse_delete(warehouse=first) == "archived"
    first.refresh_from_db()
    assert first.is_archived and not first.is_active
    with pytest.raises(WarehouseArchived):
        services.warehouse_update(warehouse=first, data={"is_active": True})
    with pytest.raises(WarehouseArchived):
        services.stock_adjust(account=account, product=product, warehouse=first, quantity=1, reason="received")
    services.warehouse_create(account=account, name="New first", code=first.code)  # the code is free again

    empty = services.warehouse_create(account=account, name="Empty", code="EMPTY")
    services.stock_level_update(
        stock_level=StockLevel.objects.create(
            account=account, product=product, variant_id=default_variant_id(product.pk), warehouse=empty
        ),
        reorder_point=3,
    )
    assert services.warehouse_delete(warehouse=empty) == "deleted"
    assert not Warehouse.objects.filter(pk=empty.pk).exists()
    assert_ledger()


# --- the ledger ------------------------------------------------------------------------------------------


def test_movements_are_append_only(account, two_warehouses, make_product, receive):
    movement = receive(make_product(), two_warehouses[0], 1)
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        movement.delete()
    with pytest.raises(TypeError):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=5)
    with pytest.raises(TypeError):
        StockMovement.objects.filter(pk=movement.pk).delete()


def test_ledger_discrepancies_finds_a_stock_level_changed_outside_the_services(
    account, two_warehouses, make_product, receive
):
    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 5)
    assert selectors.ledger_discrepancies(account) == []
    StockLevel.objects.filter(product=product).update(on_hand=7)
    [row] = selectors.ledger_discrepancies(account)
    assert (row["product_id"], row["on_hand"], row["ledger_on_hand"]) == (product.id, 7, 5)
    StockLevel.objects.filter(product=product).update(on_hand=5, below_reorder_point=True)
    [row] = selectors.ledger_discrepancies(account)
    assert row["below_reorder_point"] is True, "a stale low-stock flag is a discrepancy too"
    StockLevel.objects.filter(product=product).update(below_reorder_point=False)
    assert selectors.ledger_discrepancies(account) == []


def test_ledger_discrepancies_checks_reserved_against_reservations(account, two_warehouses, make_product, receive):
    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 5)
    services.stock_reserve(account=account, reference_id="ord_S", lines=[(product, 2)])
    StockReservation.objects.filter(reference_id="ord_S").update(quantity=1)
    [row] = selectors.ledger_discrepancies(account)
    assert (row["reserved"], row["ledger_reserved"], row["reservations_reserved"]) == (2, 2, 1)
    StockReservation.objects.filter(reference_id="ord_S").update(quantity=2)
    assert selectors.ledger_discrepancies(account) == []


def test_balances_after_each_movement_follow_from_the_changes(
    account, two_warehouses, make_product, receive, assert_ledger
):
    first, second = two_warehouses
    product = make_product()
    receive(product, first, 8)
    services.stock_reserve(account=account, reference_id="ord_T", lines=[(product, 5)])
    services.stock_transfer_create(
        account=account, product=product, from_warehouse=first, to_warehouse=second, quantity=3
    )
    services.stock_fulfil(account=account, reference_id="ord_T")
    services.stock_adjust(account=account, product=product, warehouse=second, quantity=-1, reason="count_correction")
    for stock in StockLevel.objects.all():
        on_hand = reserved = 0
        for movement in stock.movements.order_by("created_at", "id"):
            on_hand += movement.on_hand_change
            reserved += movement.reserved_change
            assert (movement.on_hand_after, movement.reserved_after) == (on_hand, reserved)
    assert_ledger()


def test_the_database_refuses_reserving_more_than_on_hand(account, two_warehouses, make_product, receive):
    first, _ = two_warehouses
    product = make_product()
    receive(product, first, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(product=product).update(reserved=2)


def test_a_product_with_stock_history_is_archived_not_deleted(account, two_warehouses, make_product, receive):
    product = make_product()
    receive(product, two_warehouses[0], 1)
    assert product_delete(product=product) == "archived"
