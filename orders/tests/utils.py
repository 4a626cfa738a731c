"""Assertions shared by the order tests."""

from catalog.models import Product
from customers.models import Customer
from orders.models import Order, OrderEvent, OrderItem, OrderPayment
from webhooks.models import WebhookEvent


def webhooks(account, event_type=None) -> list[dict]:
    """Payloads in the outbox, oldest first."""
    queryset = WebhookEvent.objects.filter(account=account).order_by("created_at", "id")
    if event_type:
        queryset = queryset.filter(event_type=event_type)
    return [event.payload for event in queryset]


def customer_stats(customer) -> tuple:
    row = Customer.objects.filter(pk=customer.pk).values(
        "total_orders", "total_spent", "first_order_date", "last_order_date"
    )
    return tuple(row.get().values())


def database_state(account) -> tuple:
    """Everything an order request can write for `account`, to prove a denied request wrote nothing."""
    orders = list(Order.objects.filter(account=account).order_by("pk").values())
    return (
        orders,
        list(OrderItem.objects.filter(account=account).order_by("pk").values()),
        list(OrderPayment.objects.filter(account=account).order_by("pk").values()),
        list(OrderEvent.objects.filter(account=account).order_by("pk").values()),
        list(Customer.objects.filter(account=account).order_by("pk").values()),
        list(Product.objects.filter(account=account).order_by("pk").values("pk", "order_count", "updated_at")),
        WebhookEvent.objects.filter(account=account).count(),
    )
