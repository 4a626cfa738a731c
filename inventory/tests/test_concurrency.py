"""Real concurrency on PostgreSQL: threads, each on its own connection, racing for the same stock rows.
Stock is never oversold or negative, nothing deadlocks, and the ledger still sums to the stock levels."""

import random

import pytest
from django.db.models import Sum

from inventory import services
from inventory.exceptions import InsufficientStock
from inventory.models import MovementType, StockLevel, StockMovement, StockReservation, StockTransfer
from omnisales.testing.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def outcomes(results) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        name = type(result).__name__ if isinstance(result, Exception) else "ok"
        counts[name] = counts.get(name, 0) + 1
    return counts


def test_fifty_orders_for_ten_units_reserve_exactly_ten(account, make_warehouse, make_product, receive, assert_ledger):
    first, second = make_warehouse(priority=1), make_warehouse(priority=2)
    product = make_product()
    receive(product, first, 6)
    receive(product, second, 4)

    def reserve(index):
        return services.stock_reserve(account=account, reference_id=f"ord_race{index}", lines=[(product, 1)])

    results = race(reserve, 50)

    assert outcomes(results) == {"ok": 10, "InsufficientStock": 40}, results
    assert all(isinstance(r, list) and len(r) == 1 for r in results if not isinstance(r, Exception))
    levels = StockLevel.objects.filter(product=product)
    assert levels.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved")) == {"on_hand": 10, "reserved": 10}
    assert all(0 <= level.reserved <= level.on_hand for level in levels)
    assert StockReservation.objects.filter(product=product, status="active").count() == 10
    assert_ledger()


def test_parallel_removals_stop_at_zero(account, make_warehouse, make_product, receive, assert_ledger):
    warehouse = make_warehouse()
    product = make_product()
    receive(product, warehouse, 10)

    def remove(index):
        return services.stock_adjust(account=account, product=product, warehouse=warehouse, quantity=-1, reason="lost")

    results = race(remove, 40)

    assert outcomes(results) == {"ok": 10, "InsufficientStock": 30}, results
    assert StockLevel.objects.get(product=product).on_hand == 0
    assert_ledger()


def test_parallel_receipts_and_removals_lose_no_update(account, make_warehouse, make_product, receive, assert_ledger):
    warehouse = make_warehouse()
    product = make_product()
    receive(product, warehouse, 5)

    def adjust(index):
        quantity, reason = (3, "received") if index % 2 else (-1, "damaged")
        return services.stock_adjust(
            account=account, product=product, warehouse=warehouse, quantity=quantity, reason=reason
        )

    results = race(adjust, 40)

    removed = sum(1 for index, r in enumerate(results) if index % 2 == 0 and not isinstance(r, Exception))
    assert all(not isinstance(r, Exception) or isinstance(r, InsufficientStock) for r in results), results
    level = StockLevel.objects.get(product=product)
    assert level.on_hand == 5 + 20 * 3 - removed >= 0
    assert_ledger()


def test_transfers_in_opposite_directions_never_deadlock(account, make_warehouse, make_product, receive, assert_ledger):
    east, west = make_warehouse(code="EAST"), make_warehouse(code="WEST")
    product = make_product()
    receive(product, east, 20)
    receive(product, west, 20)
    quantities = [random.Random(index).randint(1, 4) for index in range(40)]

    def transfer(index):
        source, destination = (east, west) if index % 2 else (west, east)
        return services.stock_transfer_create(
            account=account,
            product=product,
            from_warehouse=source,
            to_warehouse=destination,
            quantity=quantities[index],
        )

    results = race(transfer, 40)

    assert all(not isinstance(r, Exception) or isinstance(r, InsufficientStock) for r in results), results
    assert outcomes(results).get("ok", 0) >= 10
    levels = StockLevel.objects.filter(product=product)
    assert levels.aggregate(total=Sum("on_hand"))["total"] == 40, "transfers conserve stock"
    assert all(level.on_hand >= 0 for level in levels)
    assert StockTransfer.objects.count() == outcomes(results)["ok"]
    assert StockMovement.objects.filter(type=MovementType.TRANSFER_OUT).count() == outcomes(results)["ok"]
    assert_ledger()


def test_reserve_release_and_fulfil_race_on_shared_stock(account, make_warehouse, make_product, receive, assert_ledger):
    """Orders reserving two products in opposite line order, while earlier orders are cancelled or shipped."""
    first, second = make_warehouse(priority=1), make_warehouse(priority=2)
    shirt, shoes = make_product(), make_product()
    for product in (shirt, shoes):
        receive(product, first, 15)
        receive(product, second, 15)
    for index in range(20):
        services.stock_reserve(account=account, reference_id=f"ord_old{index}", lines=[(shirt, 1), (shoes, 1)])

    def work(index):
        if index < 20:
            step = services.stock_release if index % 2 else services.stock_fulfil
            return step(account=account, reference_id=f"ord_old{index}")
        lines = [(shirt, 1), (shoes, 2)] if index % 2 else [(shoes, 2), (shirt, 1)]
        return services.stock_reserve(account=account, reference_id=f"ord_new{index}", lines=lines)

    results = race(work, 40)

    assert all(not isinstance(r, Exception) or isinstance(r, InsufficientStock) for r in results), results
    for product in (shirt, shoes):
        levels = StockLevel.objects.filter(product=product)
        assert all(0 <= level.reserved <= level.on_hand for level in levels)
    assert StockMovement.objects.filter(type=MovementType.SALE).values("reference_id").distinct().count() == 10
    assert_ledger()
