"""The management commands: bench data and the rollups' check-and-repair."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import Account
from omnisales.testing.factories import place_order
from orders.models import Order, OrderStatus, SalesDay
from orders.rollups import rollups_compute, rollups_stored

pytestmark = pytest.mark.django_db


def test_rebuild_rollups_reports_and_repairs_a_wrong_row(account):
    place_order(account, prices=["30.00"])
    SalesDay.objects.filter(account=account).update(total=Decimal("1.00"))
    out = io.StringIO()
    call_command("rebuild_rollups", account=account.pk, stdout=out)
    # One row in each of the day, hour, product day, product month and cohort tables; the day's total was wrong.
    assert f"{account.pk}: 5 rows, 1 differed" in out.getvalue()
    assert "sales_day " in out.getvalue() and "total 1.00 -> 30.00" in out.getvalue()
    assert SalesDay.objects.get(account=account).total == Decimal("30.00")


def test_generate_bench_data_writes_orders_and_their_rollups(db):
    call_command("generate_bench_data", orders=300, products=8, customers=40, days=30, stdout=io.StringIO())
    account = Account.objects.get(name="Bench store")
    orders = Order.objects.filter(account=account)
    assert orders.count() == 300 and orders.filter(status=OrderStatus.CANCELLED).exists()
    assert len(set(orders.values_list("channel", flat=True))) > 3
    counted = orders.exclude(status=OrderStatus.CANCELLED).count()
    assert SalesDay.objects.filter(account=account).aggregate(n=Sum("orders"))["n"] == counted
    assert rollups_stored(account=account) == rollups_compute(account=account)
