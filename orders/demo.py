"""Demo data: 400 orders of the demo customers over the last twelve months, across every channel.

Orders, lines, payments and timelines are bulk-created (a few hundred rows each) with the same
arithmetic as the API (`orders.pricing`), in a mix of statuses that fits each order's age. Then the
other apps are brought in step through their services: `catalog.services.product_mark_ordered` once
per order, and the customers' stats from `orders.services.order_customer_stats_rebuild` (one aggregate
query over the orders, then `customers.services.customer_stats_set` per customer). No webhook events
are written for this history. Deterministic; skipped when the account already has orders.
"""

import datetime
import itertools
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalog.models import Product, ProductStatus
from catalog.services import product_mark_ordered
from customers.models import Customer
from customers.services import rfm_scores_refresh

from . import pricing, rollups, services
from .models import (
    Channel,
    EventKind,
    Order,
    OrderEvent,
    OrderItem,
    OrderPayment,
    OrderStatus,
    PaymentKind,
    PaymentMethod,
)

DEMO_ORDER_COUNT = 400
CHANNELS = [
    (Channel.ONLINE, 45),
    (Channel.MOBILE, 20),
    (Channel.OFFLINE, 14),
    (Channel.PHONE, 5),
    (Channel.SHOPEE, 7),
    (Channel.LAZADA, 5),
    (Channel.FACEBOOK, 4),
]
PAYMENT_METHODS = {
    Channel.ONLINE: [PaymentMethod.CREDIT_CARD],
    Channel.MOBILE: [PaymentMethod.CREDIT_CARD],
    Channel.OFFLINE: [PaymentMethod.CASH, PaymentMethod.CARD_TERMINAL],
    Channel.PHONE: [PaymentMethod.BANK_TRANSFER, PaymentMethod.COD],
    Channel.SHOPEE: [PaymentMethod.MARKETPLACE],
    Channel.LAZADA: [PaymentMethod.MARKETPLACE],
    Channel.FACEBOOK: [PaymentMethod.BANK_TRANSFER, PaymentMethod.COD],
}
PROVIDERS = {PaymentMethod.CREDIT_CARD: "stripe", PaymentMethod.MARKETPLACE: "marketplace"}
CARRIERS = [("UPS", "https://www.ups.com/track?tracknum="), ("FedEx", "https://www.fedex.com/fedextrack/?trknbr=")]
SHIPPED_CHANNELS = frozenset(Channel.values) - {Channel.OFFLINE}


def _status_for(rng: random.Random, age_days: float) -> str:
    """Old orders have run their course; recent ones are still moving."""
    roll = rng.random()
    if age_days > 14:
        if roll < 0.08:
            return OrderStatus.CANCELLED
        return OrderStatus.REFUNDED if roll < 0.11 else OrderStatus.DELIVERED
    if age_days > 5:
        return [OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED][
            int(roll * 3.3)
        ]
    return [OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.PROCESSING, OrderStatus.SHIPPED][int(roll * 4)]


def _path_to(status: str) -> list[str]:
    if status == OrderStatus.CANCELLED:
        return [OrderStatus.PENDING, OrderStatus.CANCELLED]
    path = [OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED]
    if status == OrderStatus.REFUNDED:
        return [*path, OrderStatus.REFUNDED]
    return path[: path.index(status) + 1]


class _Builder:
    def __init__(self, account, *, customers, products, now):
        self.account = account
        self.customers = customers
        self.products = products
        self.now = now
        self.rng = random.Random(20240115)  # noqa: S311 - reproducible demo data, not security
        # A few loyal customers order often, most rarely.
        self.customer_weights = [self.rng.paretovariate(1.4) for _ in customers]
        self.orders, self.items, self.payments, self.events = [], [], [], []

    def _event(self, order, moment, kind, **fields):
        self.events.append(OrderEvent(account=self.account, order=order, created_at=moment, kind=kind, **fields))

    def _payment(self, order, moment, kind, method):
        provider = PROVIDERS.get(method, "manual")
        reference = f"demo_{kind}_{order.pk}" if provider != "manual" else ""
        payment = OrderPayment(
            account=self.account,
            order=order,
            created_at=moment,
            kind=kind,
            amount=order.total,
            currency=order.currency,
            method=method,
            provider=provider,
            provider_reference=reference,
        )
        self.payments.append(payment)
        event_kind = EventKind.PAYMENT if kind == PaymentKind.PAYMENT else EventKind.REFUND
        self._event(order, moment, event_kind, data={"paymentId": payment.pk, "amount": float(order.total)})
        return payment

    def order(self):
        rng, account = self.rng, self.account
        age_days = 365 * rng.random() ** 1.6  # more orders recently
        placed_at = self.now - datetime.timedelta(days=age_days, minutes=rng.randrange(24 * 60))
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        customer = rng.choices(self.customers, weights=self.customer_weights)[0]
        priced = []
        for product in rng.sample(self.products, k=rng.choice([1, 1, 1, 2, 2, 3, 4])):
            price = product.price if rng.random() > 0.15 else pricing.to_cents(product.price * Decimal("0.9"))
            priced.append((product, rng.choice([1, 1, 1, 1, 2, 2, 3]), price))
        subtotal = sum(quantity * price for _, quantity, price in priced)
        order, lines = services.order_draft(
            account=account,
            customer=customer,
            lines=priced,
            shipping=Decimal("0.00") if channel == Channel.OFFLINE or subtotal >= 100 else Decimal("7.95"),
            created_at=placed_at,
            channel=channel,
            payment_method=rng.choice(PAYMENT_METHODS[channel]),
            shipping_address=customer.shipping_address and {"name": customer.name, **customer.shipping_address},
        )
        self._history(order, age_days=age_days)
        self.orders.append(order)
        self.items.extend(lines)

    def _history(self, order, *, age_days: float):
        rng = self.rng
        status = _status_for(rng, age_days)
        path = _path_to(status)
        moment = order.created_at
        self._event(order, moment, EventKind.CREATED, to_status=OrderStatus.PENDING, data={"total": float(order.total)})
        paid_up_front = order.payment_method in (PaymentMethod.CREDIT_CARD, PaymentMethod.MARKETPLACE)
        paid = False
        if paid_up_front or order.channel == Channel.OFFLINE:
            self._payment(order, moment + datetime.timedelta(seconds=5), PaymentKind.PAYMENT, order.payment_method)
            paid = True
        for previous, current in itertools.pairwise(path):
            step = datetime.timedelta(hours=rng.uniform(2, 60))
            moment = min(moment + step, self.now)
            if current == OrderStatus.SHIPPED and order.channel in SHIPPED_CHANNELS:
                carrier, url = rng.choice(CARRIERS)
                order.carrier, order.shipping_method = carrier, rng.choice(["standard", "standard", "express"])
                order.tracking_number = f"DEMO{rng.randrange(10**9, 10**10)}"
                order.tracking_url = url + order.tracking_number
            if current == OrderStatus.DELIVERED and not paid:
                self._payment(order, moment, PaymentKind.PAYMENT, order.payment_method)
                paid = True
            refunds = current == OrderStatus.REFUNDED or (current == OrderStatus.CANCELLED and paid)
            if refunds:
                self._payment(order, moment, PaymentKind.REFUND, order.payment_method)
            field = services.STATUS_TIMESTAMPS.get(current)
            if field:
                setattr(order, field, moment)
            self._event(order, moment, EventKind.STATUS_CHANGED, from_status=previous, to_status=current)
        order.status = status
        if paid:
            refunded = status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)
            order.amount_paid = Decimal("0.00") if refunded else order.total
            order.amount_refunded = order.total if refunded else Decimal("0.00")
        order.payment_status = pricing.payment_status_for(
            total=order.total, amount_paid=order.amount_paid, amount_refunded=order.amount_refunded
        )
        order.counted_in_stats = status not in (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


@transaction.atomic
def seed(account, *, user, log) -> None:
    existing = Order.objects.filter(account=account).count()
    if existing:
        log(f"Orders: {existing} already there.")
        return
    customers = list(Customer.objects.filter(account=account, is_anonymized=False).order_by("pk"))
    products = list(Product.objects.filter(account=account, status=ProductStatus.ACTIVE).order_by("sku"))
    if not customers or not products:
        log("Orders: no customers or active products to order; skipped.")
        return
    builder = _Builder(account, customers=customers, products=products, now=timezone.now())
    for _ in range(DEMO_ORDER_COUNT):
        builder.order()
    Order.objects.bulk_create(builder.orders, batch_size=500)
    OrderItem.objects.bulk_create(builder.items, batch_size=1000)
    OrderPayment.objects.bulk_create(builder.payments, batch_size=1000)
    OrderEvent.objects.bulk_create(builder.events, batch_size=1000)
    products_by_order = defaultdict(list)
    for item in builder.items:
        products_by_order[item.order.pk].append(item.product_id)
    for product_ids in products_by_order.values():
        product_mark_ordered(account=account, product_ids=product_ids)
    customers_with_orders = services.order_customer_stats_rebuild(account=account)
    rollups.rollups_rebuild(account=account)  # written in bulk, around the services: the rollups from them
    rfm_scores_refresh(account=account)  # the demo's customers are scored as soon as their history exists
    log(f"Orders: {len(builder.orders)} created for {customers_with_orders} customers.")
