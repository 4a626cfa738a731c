"""The hand-computed store the sales and financial reports are checked against (January 2024 starts on a
Monday; the account is in New York):

| order | placed (New York) | channel | lines | figures |
| --- | --- | --- | --- | --- |
| A | Mon 1 Jan 10:00 | online | 2 × P (10.00, cost 4.00), shipping 5.00 | total 25.00, cash; 5.00 refunded 3 Jan 12:00|
| B | Sun 7 Jan 23:30 (Mon 8 Jan in UTC) | mobile | 1 × Q (25.00, no cost) | total 25.00 |
| C | Tue 9 Jan 10:00 | online | 1 × P, 2 × Q; 6.00 discount added later | gross 60.00, total 54.00, card terminal |
| D | Wed 10 Jan | online | 3 × P | cancelled: counts nowhere |
| E | Fri 2 Feb 10:00 | shopee | 5 × P | total 50.00 paid in cash, refunded in full Mon 5 Feb 12:00 |
| F | Tue 20 Feb 10:00 | online | 1 × P at 10.01 | total 10.01 |

Payments are recorded when their order is placed (C's by card terminal an hour later, after its discount).

Another account has one order of 999.00 on 2 January.
"""

import datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders import services
from orders.models import OrderStatus

ZONE = "America/New_York"


@pytest.fixture
def report_store(account, other_account):
    account.timezone = ZONE
    account.save(update_fields=["timezone"])
    zone = account.zone
    p = product_in_stock(account, price=Decimal("10.00"), cost=Decimal("4.00"))
    q = product_in_stock(account, price=Decimal("25.00"))

    def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(2024, month, day, hour, minute, tzinfo=zone)

    def order(when, lines, *, channel="online", shipping="0.00"):
        return place_order(
            account,
            customer=CustomerFactory(account=account),
            products=[product for product, _ in lines],
            quantities=[quantity for _, quantity in lines],
            channel=channel,
            shipping=Decimal(shipping),
            placed_at=when,
        )

    def refund(an_order, amount: str, when) -> None:
        with freeze_time(an_order.created_at):
            services.order_payment_record(order=an_order, amount=an_order.total, method="cash")
        with freeze_time(when):
            services.order_payment_refund(order=an_order, amount=Decimal(amount))

    a = order(at(1, 1), [(p, 2)], shipping="5.00")
    refund(a, "5.00", at(1, 3, 12))
    order(at(1, 7, 23, 30), [(q, 1)], channel="mobile")
    c = order(at(1, 9), [(p, 1), (q, 2)])
    services.order_discount_add(order=c, amount=Decimal("6.00"), note="goodwill")
    c.refresh_from_db()
    with freeze_time(at(1, 9, 11)):
        services.order_payment_record(order=c, amount=c.total, method="card_terminal")
    d = order(at(1, 10), [(p, 3)])
    services.order_transition(order=d, to_status=OrderStatus.CANCELLED)
    e = order(at(2, 2), [(p, 5)], channel="shopee")
    refund(e, "50.00", at(2, 5, 12))
    place_order(
        account,
        customer=CustomerFactory(account=account),
        products=[p],
        prices=["10.01"],
        placed_at=at(2, 20),
    )
    place_order(other_account, prices=["999.00"], placed_at=datetime.datetime(2024, 1, 2, 15, tzinfo=datetime.UTC))
    return account
