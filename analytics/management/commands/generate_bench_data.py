"""Bench data for analytics: many orders of one account, written fast by COPY, then its sales rollups.

The orders are history, as the demo's are: priced with the same arithmetic as the API (no tax: the account
has a zero rate), spread evenly over the last `--days`, in a realistic mix of channels and statuses (older
orders delivered, some cancelled, some refunded in full or in part, recent ones still on their way) and with
a tenth-off discount on some. Each has its payment and refunds in the order's ledger; nothing else is
written for them (no timeline, stock or webhook rows). Customers' stats are recomputed at the end, then the
rollups by `rollups_rebuild` (as after any bulk write).
"""

import datetime
import random
import sys
import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from catalog.models import Product, ProductStatus, default_variant_id
from catalog.services import product_create
from customers.models import Customer
from omnisales.api.bulk import copy_insert, new
from orders.models import (
    Order,
    OrderItem,
    OrderPayment,
    OrderStatus,
    PaymentKind,
    PaymentStatus,
)
from orders.rollups import rollups_rebuild
from orders.services import order_customer_stats_rebuild

BATCH = 20_000
CENT = Decimal("0.01")
CHANNELS = (
    ("online", 45),
    ("mobile", 20),
    ("offline", 12),
    ("phone", 3),
    ("shopee", 10),
    ("lazada", 6),
    ("facebook", 4),
)
# Orders older than two weeks have settled; newer ones may still be on their way.
SETTLED = (("delivered", 80), ("cancelled", 8), ("refunded", 5), ("partially_refunded", 4), ("shipped", 3))
RECENT = (("pending", 20), ("processing", 30), ("shipped", 30), ("delivered", 12), ("cancelled", 8))
METHODS = ("credit_card", "cash", "card_terminal", "bank_transfer", "cod")
LINES = (1, 2, 3, 3, 4, 5)  # three lines an order on average


def _weighted(pairs):
    names, weights = zip(*pairs, strict=True)
    return names, weights


class Command(BaseCommand):
    help = "Create N bench orders (~3 lines each) of one account by COPY, then build its sales rollups."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, required=True)
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--account", help="Add the orders to this account (acc_…).")
        target.add_argument("--new-account", action="store_true", help="Create a new account (the default).")
        parser.add_argument("--days", type=int, default=365, help="Spread the orders over this many days.")
        parser.add_argument("--customers", type=int, help="Default: one per ten orders.")
        parser.add_argument("--products", type=int, default=200)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, orders, account=None, new_account=False, days, customers, products, seed, **options):
        if orders < 1 or days < 1 or products < 1:
            raise CommandError("--orders, --days and --products must be positive")
        self.rng = random.Random(seed)  # noqa: S311 - reproducible bench data, not security
        started = time.monotonic()
        if account:
            account = Account.objects.filter(pk=account).first()
            if account is None:
                raise CommandError("No such account")
        else:
            account = Account.objects.create(
                name="Bench store", currency="USD", timezone="America/New_York", product_limit=products
            )
        catalog = self._products(account, products)
        customer_ids = self._customers(account, customers or max(orders // 10, 1))
        self.stdout.write(f"{account.pk}: {len(catalog)} products, {len(customer_ids)} customers")
        now = timezone.now()
        written = 0
        while written < orders:
            size = min(BATCH, orders - written)
            with transaction.atomic():
                self._batch(account, catalog, customer_ids, size, now=now, days=days)
            written += size
            rate = written / (time.monotonic() - started)
            sys.stdout.write(f"\r{written:,}/{orders:,} orders ({rate:,.0f}/s)")
            sys.stdout.flush()
        self.stdout.write("")
        order_customer_stats_rebuild(account=account)
        result = rollups_rebuild(account=account)
        self.stdout.write(
            f"{account.pk}: {orders:,} orders in {time.monotonic() - started:.0f}s; {result.rows} sales-day rows"
        )

    def _products(self, account, count):
        existing = list(Product.objects.filter(account=account, status=ProductStatus.ACTIVE).order_by("pk")[:count])
        for index in range(len(existing), count):
            price = Decimal(self.rng.randint(500, 20000)) / 100
            cost = None if index % 10 == 9 else (price * Decimal("0.6")).quantize(CENT)
            existing.append(
                product_create(
                    account=account,
                    sku=f"BENCH-{index:05d}-{self.rng.randint(0, 10**6)}",
                    name=f"Bench product {index}",
                    price=price,
                    cost=cost,
                    status=ProductStatus.ACTIVE,
                )
            )
        return existing

    def _customers(self, account, count):
        rows = [
            new(Customer, account=account, name=f"Bench customer {index}", email=None, created_at=timezone.now())
            for index in range(count)
        ]
        for row in rows:
            row.updated_at = row.created_at
        copy_insert(Customer, rows)
        return [row.pk for row in rows]

    def _batch(self, account, catalog, customer_ids, size, *, now, days):
        channels, channel_weights = _weighted(CHANNELS)
        settled, settled_weights = _weighted(SETTLED)
        recent, recent_weights = _weighted(RECENT)
        span = days * 86400
        orders, items, payments = [], [], []
        for _ in range(size):
            placed_at = now - datetime.timedelta(seconds=self.rng.random() * span)
            age = now - placed_at
            if age > datetime.timedelta(days=14):
                state = self.rng.choices(settled, settled_weights)[0]
            else:
                state = self.rng.choices(recent, recent_weights)[0]
            status = {"partially_refunded": OrderStatus.DELIVERED}.get(state, state)
            discounted = self.rng.random() < 0.15
            lines = []
            for position, product in enumerate(self.rng.sample(catalog, self.rng.choice(LINES))):
                quantity = self.rng.choice((1, 1, 1, 2, 3))
                line_total = product.price * quantity
                discount = (line_total / 10).quantize(CENT, ROUND_HALF_UP) if discounted else Decimal("0.00")
                lines.append((position, product, quantity, line_total, discount))
            subtotal = sum((line[3] for line in lines), Decimal("0.00"))
            discount = sum((line[4] for line in lines), Decimal("0.00"))
            shipping = self.rng.choice((Decimal("0.00"), Decimal("4.95")))
            total = subtotal - discount + shipping
            paid = status not in (OrderStatus.PENDING, OrderStatus.CANCELLED)
            refunded = {"refunded": total, "partially_refunded": (total / 5).quantize(CENT)}.get(state, Decimal("0"))
            method = self.rng.choice(METHODS)
            order = new(
                Order,
                account=account,
                customer_id=self.rng.choice(customer_ids),
                status=status,
                channel=self.rng.choices(channels, channel_weights)[0],
                payment_method=method if paid else None,
                currency=account.currency,
                subtotal=subtotal,
                tax=Decimal("0.00"),
                shipping_amount=shipping,
                discount_amount=discount,
                discount_code="BENCH10" if discounted else "",
                total=total,
                tax_rate=Decimal("0.000"),
                amount_paid=(total - refunded) if paid else Decimal("0.00"),
                amount_refunded=refunded,
                payment_status=(
                    PaymentStatus.UNPAID
                    if not paid
                    else PaymentStatus.REFUNDED
                    if refunded == total
                    else PaymentStatus.PARTIALLY_REFUNDED
                    if refunded
                    else PaymentStatus.PAID
                ),
                counted_in_stats=status not in (OrderStatus.CANCELLED, OrderStatus.REFUNDED),
                created_at=placed_at,
                updated_at=placed_at,
                cancelled_at=placed_at if status == OrderStatus.CANCELLED else None,
            )
            orders.append(order)
            for position, product, quantity, line_total, line_discount in lines:
                items.append(
                    new(
                        OrderItem,
                        account=account,
                        order_id=order.pk,
                        product_id=product.pk,
                        variant_id=default_variant_id(product.pk),
                        position=position,
                        product_name=product.name,
                        sku=product.sku,
                        quantity=quantity,
                        unit_price=product.price,
                        line_total=line_total,
                        discount_amount=line_discount,
                        unit_cost=product.cost,
                        created_at=placed_at,
                        updated_at=placed_at,
                    )
                )
            if paid:
                payment = new(
                    OrderPayment,
                    account=account,
                    order_id=order.pk,
                    kind=PaymentKind.PAYMENT,
                    amount=total,
                    currency=account.currency,
                    method=method,
                    created_at=placed_at,
                    updated_at=placed_at,
                )
                payments.append(payment)
                if refunded:
                    refunded_at = min(placed_at + datetime.timedelta(days=self.rng.randint(1, 20)), now)
                    payments.append(
                        new(
                            OrderPayment,
                            account=account,
                            order_id=order.pk,
                            kind=PaymentKind.REFUND,
                            amount=refunded,
                            currency=account.currency,
                            method=method,
                            refunded_payment_id=payment.pk,
                            created_at=refunded_at,
                            updated_at=refunded_at,
                        )
                    )
        copy_insert(Order, orders)
        copy_insert(OrderItem, items)
        copy_insert(OrderPayment, payments)
