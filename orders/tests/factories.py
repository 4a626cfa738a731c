"""Test data for orders: real orders are made through `orders.services.order_create`."""

from decimal import Decimal

from catalog.tests.factories import ProductFactory
from customers.tests.factories import CustomerFactory
from orders import services


def place_order(account, *, customer=None, products=None, quantities=None, prices=None, **options):
    """An order of `account` through the service: by default one new customer and one product (19.99)."""
    customer = customer or CustomerFactory(account=account)
    products = products or [ProductFactory(account=account)]
    quantities = quantities or [1] * len(products)
    prices = prices or [None] * len(products)
    items = [
        {"product_id": product.pk, "quantity": quantity, "price": None if price is None else Decimal(price)}
        for product, quantity, price in zip(products, quantities, prices, strict=True)
    ]
    return services.order_create(account=account, customer=customer, items=items, **options)
