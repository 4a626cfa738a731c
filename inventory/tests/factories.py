import factory

from accounts.tests.factories import AccountFactory
from inventory import services
from inventory.models import AdjustmentReason, Warehouse


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    code = factory.Sequence(lambda n: f"WH{n:03d}")
    priority = factory.Sequence(lambda n: n)


def receive(product, warehouse, quantity: int, **kwargs):
    """Stock arrives through the service: a receipt of `quantity` units. Returns the movement."""
    return services.stock_adjust(
        account=product.account,
        product=product,
        warehouse=warehouse,
        quantity=quantity,
        reason=AdjustmentReason.RECEIVED,
        **kwargs,
    )
