"""The variants migration is lossless: every existing product gets its implicit variant, and the stock levels,
ledger, reservations, transfers and order lines of a product move to it (set-based statements)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalog.models import Product, ProductVariant, default_variant_id
from inventory.models import StockLevel, StockMovement, StockReservation, StockTransfer
from omnisales.testing.factories import AccountFactory, CustomerFactory
from orders.models import OrderItem

BEFORE = [("catalog", "0001_initial"), ("inventory", "0001_initial"), ("orders", "0001_initial")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_products_and_their_rows_move_to_implicit_variants():
    account = AccountFactory()
    customer = CustomerFactory(account=account)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    common = {"account_id": account.pk}
    products = [
        old.get_model("catalog", "Product").objects.create(
            id=f"prod_M{number}",
            sku=f"OLD-{number}",
            name=f"Old {number}",
            price=Decimal("10.00") + number,
            compare_at_price=Decimal("20.00") if number else None,
            barcode=f"0{number}",
            weight=Decimal("1.5") if number else None,
            currency="USD",
            **common,
        )
        for number in range(3)
    ]
    warehouses = [
        old.get_model("inventory", "Warehouse").objects.create(id=f"wh_M{n}", name=f"W{n}", code=f"W{n}", **common)
        for n in range(2)
    ]
    level = old.get_model("inventory", "StockLevel").objects.create(
        id="stk_M", product=products[1], warehouse=warehouses[0], on_hand=5, reserved=2, **common
    )
    old.get_model("inventory", "StockMovement").objects.create(
        id="mov_M",
        stock_level=level,
        product=products[1],
        warehouse=warehouses[0],
        type="receipt",
        quantity=5,
        on_hand_change=5,
        reserved_change=0,
        on_hand_after=5,
        reserved_after=0,
        actor="system",
        **common,
    )
    old.get_model("inventory", "StockReservation").objects.create(
        id="rsv_M", reference_id="ord_M", product=products[1], warehouse=warehouses[0], quantity=2, **common
    )
    old.get_model("inventory", "StockTransfer").objects.create(
        id="trf_M", product=products[2], from_warehouse=warehouses[0], to_warehouse=warehouses[1], quantity=1, **common
    )
    order = old.get_model("orders", "Order").objects.create(
        id="ord_M",
        customer_id=customer.pk,
        currency="USD",
        subtotal=Decimal("11.00"),
        tax=Decimal("0"),
        total=Decimal("11.00"),
        tax_rate=Decimal("0"),
        **common,
    )
    old.get_model("orders", "OrderItem").objects.create(
        id="item_M",
        order=order,
        product=products[1],
        product_name="Old 1",
        sku="OLD-1",
        quantity=1,
        unit_price=Decimal("11.00"),
        line_total=Decimal("11.00"),
        **common,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for product in Product.objects.filter(account=account):
        [variant] = ProductVariant.objects.filter(product=product)
        assert variant.pk == default_variant_id(product.pk) and variant.is_default
        assert (variant.sku, variant.price, variant.compare_at_price, variant.barcode, variant.weight) == (
            product.sku,
            product.price,
            product.compare_at_price,
            product.barcode,
            product.weight,
        )
        assert (variant.title, variant.status, variant.option1, variant.image) == ("Default Title", "active", "", None)
    moved = [StockLevel, StockMovement, StockReservation, StockTransfer, OrderItem]
    for model in moved:
        rows = list(model.objects.filter(account=account).values_list("product_id", "variant_id"))
        assert rows and all(variant_id == default_variant_id(product_id) for product_id, variant_id in rows), model
    assert StockLevel.objects.get(pk="stk_M").on_hand == 5
