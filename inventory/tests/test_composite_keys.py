"""The composite foreign keys of the stock rows (migration 0005, docs/inventory.md): a movement's product and
variant are its stock level's, a reservation's product is its variant's, or PostgreSQL refuses the row."""

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.models import ProductVariant
from inventory.models import MovementType, ReferenceType, StockMovement, StockReservation

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _checked_now() -> None:
    """Runs the deferred checks of the transaction so far (as its commit would)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("composite foreign keys are PostgreSQL's")


def test_a_movement_naming_another_product_than_its_level_is_refused(account, make_product, make_warehouse, receive):
    warehouse = make_warehouse()
    sold, other = make_product(), make_product()
    receipt = receive(sold, warehouse, 5)
    other_variant = ProductVariant.objects.get(product=other)

    def movement(**fields):
        values = {
            "account": account,
            "stock_level_id": receipt.stock_level_id,
            "product_id": sold.pk,
            "variant_id": receipt.variant_id,
            "warehouse": warehouse,
            "type": MovementType.ADJUSTMENT,
            "quantity": 0,
            "on_hand_change": 0,
            "reserved_change": 0,
            "on_hand_after": 5,
            "reserved_after": 0,
            "actor": "system",
            **fields,
        }
        return StockMovement.objects.create(**values)

    for wrong in ({"product_id": other.pk}, {"variant_id": other_variant.pk}):
        with pytest.raises(IntegrityError), transaction.atomic():
            movement(**wrong)
            _checked_now()
    with transaction.atomic():
        movement()  # the level's own product and variant
        _checked_now()


def test_a_reservation_naming_another_product_than_its_variant_is_refused(account, make_product):
    product, other = make_product(), make_product()
    variant = ProductVariant.objects.get(product=product)

    def reservation(product_id):
        return StockReservation.objects.create(
            account=account,
            reference_type=ReferenceType.ORDER,
            reference_id="ord_composite",
            product_id=product_id,
            variant=variant,
            quantity=1,
        )

    with pytest.raises(IntegrityError), transaction.atomic():
        reservation(other.pk)
        _checked_now()
    with transaction.atomic():
        reservation(product.pk).delete()
        _checked_now()
