"""Routes of this app that take an id, and how to make such an object for an account: a received and refunded
return (items and a refund embedded) of a delivered, cash-paid order, and a review."""

import itertools
from decimal import Decimal

from inventory.models import Warehouse
from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders import services as order_services
from returns import services

_numbers = itertools.count(1)


def _return(account):
    customer = CustomerFactory(account=account)
    products = [product_in_stock(account, price=Decimal("12.00")), product_in_stock(account, price=Decimal("8.00"))]
    order = place_order(account, customer=customer, products=products, quantities=[2, 1])
    for status in ("processing", "shipped", "delivered"):
        order = order_services.order_transition(order=order, to_status=status)
    order_services.order_payment_record(order=order, amount=order.total, method="cash")
    lines = list(order.items.order_by("position"))
    return_request = services.return_create(
        account=account,
        order=order,
        items=[{"order_item_id": line.pk, "quantity": 1, "reason": "defective"} for line in lines],
    )
    services.return_authorize(return_request=return_request)
    services.return_receive(
        return_request=return_request,
        warehouse=Warehouse.objects.filter(account=account).first(),
        items=[{"order_item_id": line.pk, "quantity": 1, "condition": "sellable"} for line in lines],
    )
    services.return_refund(account=account, return_request=return_request)
    services.review_create(
        account=account, product=lines[0].product, rating=4, title=f"Swept review {next(_numbers)}", customer=customer
    )
    review = services.review_create(account=account, product=lines[0].product, rating=5, title="Anonymous")
    services.review_moderate(review=review, status="approved")
    return {"returnId": return_request.pk, "reviewId": review.pk}


def _return_id(account):
    return {"returnId": _return(account)["returnId"]}


def _review_id(account):
    return {"reviewId": _return(account)["reviewId"]}


SWEEP = {
    "return-detail": _return_id,
    "return-receive": _return_id,
    "return-close": _return_id,
    "review-detail": _review_id,
    "review-moderate": _review_id,
}
