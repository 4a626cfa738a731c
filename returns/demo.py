"""Demo data: returns of the demo store's delivered orders in every state (requested, authorized, rejected,
received, refunded) and reviews of its products with a mix of ratings, some verified, most approved.

Everything goes through the services (refunds of orders paid outside the platform only: no Stripe call), so
stock, money and events follow the same rules as the API. Deterministic; skipped when the account already
has returns or reviews.
"""

import random

from django.db import transaction

from catalog.models import Product, ProductStatus
from inventory.models import Warehouse
from omnisales.api.errors import ApplicationError
from orders.models import Order, OrderStatus

from . import services
from .models import ReturnReason, ReturnRequest, Review

STEPS = ["requested", "authorized", "rejected", "received", "refunded"]
TITLES = {
    5: ["Love it", "Exactly as described", "Five stars"],
    4: ["Very good", "Happy with it"],
    3: ["It's fine", "Does the job"],
    2: ["Not great", "Expected more"],
    1: ["Broke in a week", "Disappointed"],
}
RATINGS = [5, 5, 5, 4, 4, 4, 3, 3, 2, 1]


def _return(order, step: str, *, rng: random.Random, warehouse) -> bool:
    lines = list(order.items.order_by("position")[:2])
    items = [{"order_item_id": line.pk, "quantity": 1, "reason": rng.choice(ReturnReason.values)} for line in lines]
    with transaction.atomic():
        return_request = services.return_create(
            account=order.account, order=order, items=items, customer_note="Sent back by the demo customer"
        )
        if step == "requested":
            return True
        services.return_authorize(return_request=return_request, approve=step != "rejected", note="Demo decision")
        if step in ("authorized", "rejected"):
            return True
        received = [
            {"order_item_id": item["order_item_id"], "quantity": 1, "condition": "sellable" if n == 0 else "damaged"}
            for n, item in enumerate(items)
        ]
        services.return_receive(return_request=return_request, warehouse=warehouse, items=received)
        if step == "refunded":
            services.return_refund(account=order.account, return_request=return_request, reason="Demo refund")
    return True


def _reviews(account, *, rng: random.Random) -> int:
    products = list(Product.objects.filter(account=account, status=ProductStatus.ACTIVE).order_by("sku")[:8])
    delivered = list(Order.objects.filter(account=account, status=OrderStatus.DELIVERED).order_by("created_at")[:20])
    made = 0
    for order in delivered:  # verified reviews by customers who received their order
        line = order.items.order_by("position").first()
        rating = rng.choice(RATINGS)
        try:
            review = services.review_create(
                account=account,
                product=line.product,
                order=order,
                rating=rating,
                title=rng.choice(TITLES[rating]),
                body="Written for the demo store.",
            )
        except ApplicationError:  # this customer reviewed the product already
            continue
        if made % 4 != 3:
            services.review_moderate(review=review, status="approved", reply="Thank you!" if rating <= 2 else None)
        made += 1
    for product in products:  # and a few anonymous ones
        rating = rng.choice(RATINGS)
        review = services.review_create(
            account=account, product=product, rating=rating, title=rng.choice(TITLES[rating])
        )
        services.review_moderate(review=review, status="approved" if rating > 1 else "rejected")
        made += 1
    return made


def seed(account, *, user, log) -> None:
    if ReturnRequest.objects.filter(account=account).exists() or Review.objects.filter(account=account).exists():
        log("Returns: returns or reviews already there, left as they are.")
        return
    rng = random.Random(20240117)  # noqa: S311 - reproducible demo data, not security
    warehouse = Warehouse.objects.filter(account=account, is_active=True, archived_at__isnull=True).first()
    orders = Order.objects.filter(account=account, status__in=(OrderStatus.SHIPPED, OrderStatus.DELIVERED)).order_by(
        "created_at"
    )
    orders = list(orders[:200])
    returns = 0
    for step in STEPS:
        refundable = step == "refunded"
        fits = [
            order
            for order in orders
            if not refundable or (order.amount_paid > 0 and order.payment_method not in (None, "credit_card"))
        ]
        if not fits or (warehouse is None and step in ("received", "refunded")):
            continue
        order = fits[0]
        orders.remove(order)
        try:
            returns += _return(order, step, rng=rng, warehouse=warehouse)
        except ApplicationError as exc:
            log(f"Returns: order {order.pk} skipped ({exc.code}).")
    reviews = _reviews(account, rng=rng)
    log(f"Returns: {returns} returns, {reviews} reviews.")
