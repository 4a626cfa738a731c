"""Test data for orders: real orders are made through `orders.services.order_create`."""

from decimal import Decimal

from catalog.tests.factories import ProductFactory
from customers.tests.factories import CustomerFactory
from inventory import services as inventory_services
from inventory.models import Warehouse
from inventory.tests.factories import receive
from orders import services

IN_STOCK = 1000  # units of every test product, unless a test says otherwise


def receive_stock(product, quantity: int = IN_STOCK):
    """Receives `quantity` units of `product` into its account's MAIN warehouse (made on first use)."""
    warehouse = Warehouse.objects.filter(account=product.account, code="MAIN", archived_at__isnull=True).first()
    if warehouse is None:
        warehouse = inventory_services.warehouse_create(account=product.account, name="Main", code="MAIN")
    receive(product, warehouse, quantity)
    return product


def product_in_stock(account, *, stock: int = IN_STOCK, **fields):
    """A product of `account` (active, 19.99 by default) with `stock` units on hand."""
    product = ProductFactory(account=account, **fields)
    if stock and product.track_inventory:
        receive_stock(product, stock)
    return product


def place_order(account, *, customer=None, products=None, quantities=None, prices=None, **options):
    """An order of `account` through the service: by default one new customer and one product (19.99)."""
    customer = customer or CustomerFactory(account=account)
    products = products or [product_in_stock(account)]
    quantities = quantities or [1] * len(products)
    prices = prices or [None] * len(products)
    items = [
        {"product_id": product.pk, "quantity": quantity, "price": None if price is None else Decimal(price)}
        for product, quantity, price in zip(products, quantities, prices, strict=True)
    ]
    return services.order_create(account=account, customer=customer, items=items, **options)
