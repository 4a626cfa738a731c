"""Routes of this app that take an id, and how to make such an object for an account."""

import itertools

from customers import services

_numbers = itertools.count(1)


def _customer(account):
    customer = services.customer_create(
        account=account, name="Swept Customer", email=f"swept{next(_numbers)}@example.com"
    )
    return {"customerId": customer.pk}


def _segment(account):
    segment = services.segment_create(
        account=account, name=f"Swept segment {next(_numbers)}", rules={"totalOrders": {"min": 0}}
    )
    return {"segmentId": segment.pk}


SWEEP = {
    "customer-detail": _customer,
    "customer-segment-detail": _segment,
    "customer-segment-customers": _segment,
}
