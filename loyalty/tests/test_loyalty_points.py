"""Earning on delivery (once), reversal on refunds, adjustments and expiry, through the services and the order
events' subscriber as production runs them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty import services, tasks
from loyalty.models import LoyaltyMember, PointsTransaction
from orders import services as order_services

pytestmark = pytest.mark.django_db


def member_of(customer) -> LoyaltyMember:
    return LoyaltyMember.objects.get(customer=customer)


def ledger(customer) -> list[tuple[str, int]]:
    rows = PointsTransaction.objects.filter(member__customer=customer).order_by("created_at", "id")
    return list(rows.values_list("kind", "points"))


def refund(order, amount, on_commit):
    with on_commit():
        order_services.order_payment_refund(order=order, amount=Decimal(amount))


def paid(order):
    order_services.order_payment_record(order=order, amount=order.total, method="cash")
    order.refresh_from_db()
    return order


# --- earning --------------------------------------------------------------------------------------------


def test_a_delivered_order_earns_its_points_once(program, customer, delivered, on_commit):
    order = delivered("140.50")

    member = member_of(customer)
    assert ledger(customer) == [("earn", 140)]
    assert (member.points_balance, member.lifetime_points, member.lifetime_spend) == (140, 140, Decimal("140.50"))
    lot = PointsTransaction.objects.get()
    assert (lot.remaining, lot.reference, lot.order_id, lot.balance_after) == (140, f"earn:{order.pk}", order.pk, 140)
    assert lot.expires_at.month == (lot.created_at.month + 11) % 12 + 1  # 12 calendar months later

    # The delivered event delivered again, the task run again, the service called again: nothing more.
    data = {"orderId": order.pk, "changes": {"status": {"from": "shipped", "to": "delivered"}}, "changedFields": []}
    with on_commit():
        services.order_event_received(account_id=order.account_id, event="order.updated", event_id="evt_1", data=data)
    tasks.points_earn_task(order.pk)
    assert services.points_earn(order=order) is None
    assert ledger(customer) == [("earn", 140)]
    assert member_of(customer).points_balance == 140


def test_orders_earn_nothing_without_an_active_program_or_before_delivery(account, customer, make_order, delivered):
    delivered("80.00")
    assert not LoyaltyMember.objects.exists()

    services.loyalty_program_create(account=account, name="Rewards")
    pending = make_order("50.00")
    assert services.points_earn(order=pending) is None
    assert not LoyaltyMember.objects.exists()


def test_the_rate_and_the_tier_multiplier_decide_the_points_and_tiers_move(account, customer, delivered):
    program = services.loyalty_program_create(
        account=account,
        name="Rewards",
        points_per_currency_unit=Decimal("2"),
        tiers=[
            {"name": "Silver", "threshold": Decimal("100"), "multiplier": Decimal("1.5")},
            {"name": "Gold", "threshold": Decimal("1000"), "multiplier": Decimal("2")},
        ],
    )
    delivered("60.25")  # 120.5 points → 120; lifetime 120 reaches Silver
    member = member_of(customer)
    assert (member.points_balance, member.tier.name) == (120, "Silver")

    delivered("100.33")  # 200.66 × 1.5 = 300.99 → 300
    member = member_of(customer)
    assert (member.points_balance, member.lifetime_points, member.tier.name) == (420, 420, "Silver")
    assert ledger(customer) == [("earn", 120), ("earn", 300)]

    services.loyalty_program_update(program=program, changes={"tier_basis": "spend"})
    assert member_of(customer).tier.name == "Silver"  # 160.58 spent
    services.loyalty_program_update(program=program, changes={"active": False})
    assert member_of(customer).tier is None


# --- reversal -------------------------------------------------------------------------------------------


def test_a_partial_refund_reverses_its_share_and_a_replay_nothing_more(program, customer, delivered, on_commit):
    order = paid(delivered("200.00"))

    refund(order, "50.00", on_commit)
    assert ledger(customer) == [("earn", 200), ("reverse", -50)]
    member = member_of(customer)
    assert (member.points_balance, member.lifetime_points, member.lifetime_spend) == (150, 150, Decimal("150.00"))

    tasks.points_reverse_task(order.pk)
    assert services.points_reverse(order=order) is None
    assert ledger(customer) == [("earn", 200), ("reverse", -50)]

    refund(order, "150.00", on_commit)  # the rest: the order is refunded in full
    order.refresh_from_db()
    assert order.status == "refunded"
    assert ledger(customer) == [("earn", 200), ("reverse", -50), ("reverse", -150)]
    member = member_of(customer)
    assert (member.points_balance, member.lifetime_points, member.lifetime_spend) == (0, 0, Decimal("0.00"))
    assert PointsTransaction.objects.get(kind="earn").remaining == 0


def test_a_full_refund_takes_back_what_is_left_and_forgives_the_rest(
    program, customer, make_order, delivered, on_commit
):
    order = paid(delivered("100.00"))
    redeem_on = make_order("500.00")
    services.points_redeem(account=order.account, customer=customer, order=redeem_on, points=70)

    refund(order, "100.00", on_commit)

    reversal = PointsTransaction.objects.get(kind="reverse")
    assert reversal.points == -30
    assert "100 points reversed" in reversal.note and "only 30 were left, 70 not taken back" in reversal.note
    assert member_of(customer).points_balance == 0
    assert services.points_reverse(order=order) is None  # forgiven once, not taken again from new points


def test_a_refund_before_delivery_is_left_out_of_the_earning_and_the_reversal(program, customer, make_order, on_commit):
    order = make_order("100.00")
    for status in ("processing", "shipped"):
        order = order_services.order_transition(order=order, to_status=status)
    order = paid(order)
    refund(order, "20.00", on_commit)
    with on_commit():
        order = order_services.order_transition(order=order, to_status="delivered")
    assert ledger(customer) == [("earn", 80)]

    refund(order, "40.00", on_commit)  # half of what it earned on
    assert ledger(customer) == [("earn", 80), ("reverse", -40)]


# --- adjustments ----------------------------------------------------------------------------------------


def test_adjustments_add_lots_and_take_oldest_first(program, account, customer):
    now = timezone.now()
    first, balance = services.points_adjust(account=account, customer=customer, points=30, note="Welcome", now=now)
    assert balance == 30 and first.remaining == 30 and first.expires_at is not None
    services.points_adjust(account=account, customer=customer, points=50, note="Birthday", now=now)

    row, balance = services.points_adjust(account=account, customer=customer, points=-40, note="Correction")

    assert (row.kind, row.points, row.balance_after, balance) == ("adjust", -40, 40, 40)
    lots = PointsTransaction.objects.filter(points__gt=0).order_by("created_at")
    remaining = list(lots.values_list("remaining", flat=True))
    assert remaining == [0, 40]
    member = member_of(customer)
    assert (member.points_balance, member.lifetime_points) == (40, 0)  # lifetime counts purchases only


def test_taking_more_than_the_balance_is_refused_and_writes_nothing(program, account, customer):
    from loyalty.exceptions import InsufficientPoints

    with pytest.raises(InsufficientPoints):
        services.points_adjust(account=account, customer=customer, points=-1, note="No member yet")
    assert not LoyaltyMember.objects.exists()

    services.points_adjust(account=account, customer=customer, points=10, note="Gift")
    with pytest.raises(InsufficientPoints) as refused:
        services.points_adjust(account=account, customer=customer, points=-11, note="Too much")
    assert refused.value.details == {"requested": 11, "balance": 10}
    assert ledger(customer) == [("adjust", 10)]


# --- expiry ---------------------------------------------------------------------------------------------


def test_expiry_takes_what_is_left_of_due_lots_in_one_row_per_member(program, account, customer, make_customer):
    start = timezone.now()
    other = make_customer()
    services.points_adjust(account=account, customer=customer, points=100, note="Old", now=start)
    services.points_adjust(account=account, customer=customer, points=-30, note="Spent")
    services.points_adjust(account=account, customer=customer, points=20, note="Old too", now=start)
    later = start + datetime.timedelta(days=200)
    services.points_adjust(account=account, customer=customer, points=50, note="Newer", now=later)
    services.points_adjust(account=account, customer=other, points=10, note="Old", now=start)

    assert services.points_expire(now=start + datetime.timedelta(days=300)) == 0  # nothing due yet

    year_later = start + datetime.timedelta(days=370)
    assert services.points_expire(now=year_later, batch_size=1) == 100  # 70 + 20, and 10: two batches

    assert ledger(customer)[-1] == ("expire", -90)
    assert PointsTransaction.objects.filter(kind="expire").count() == 2
    assert member_of(customer).points_balance == 50
    assert member_of(other).points_balance == 0
    assert services.points_expire(now=year_later) == 0  # a second run finds nothing


def test_points_that_are_due_expire_before_a_redemption_spends_them(program, account, customer, make_order):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    services.points_adjust(account=account, customer=customer, points=100, note="Old", now=long_ago)
    services.points_adjust(account=account, customer=customer, points=40, note="New")

    from loyalty.exceptions import InsufficientPoints

    with pytest.raises(InsufficientPoints):
        services.points_redeem(account=account, customer=customer, order=make_order("50.00"), points=100)
    redemption = services.points_redeem(account=account, customer=customer, order=make_order("50.00"), points=40)
    assert redemption.points_balance == 0
    assert [kind for kind, _ in ledger(customer)] == ["adjust", "adjust", "expire", "redeem"]


def test_calendar_months_end_on_the_last_day_of_a_shorter_month():
    from loyalty.services.points import _add_months

    moment = datetime.datetime(2024, 1, 31, 12, tzinfo=datetime.UTC)
    assert _add_months(moment, 1) == datetime.datetime(2024, 2, 29, 12, tzinfo=datetime.UTC)
    assert _add_months(moment, 13) == datetime.datetime(2025, 2, 28, 12, tzinfo=datetime.UTC)
