"""The sales dashboard on the admin index: figures across accounts, per currency, as SQL counts them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import User
from omnisales.charts import compact, daily_chart, nice_ceiling
from omnisales.testing.factories import AccountFactory, place_order, product_in_stock
from orders import services
from orders.dashboard import DaySales, sales_overview
from orders.models import Order

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser(email="ops@example.com"))
    return client


def _order(account, *, days_ago: int, price: str, quantity: int = 1):
    product = product_in_stock(account, price=Decimal(price), currency=account.currency)
    order = place_order(account, products=[product], quantities=[quantity])
    Order.objects.filter(pk=order.pk).update(created_at=NOW - datetime.timedelta(days=days_ago, hours=1))
    return order


@pytest.fixture
def seeded():
    """Orders of two USD accounts and a EUR one, inside and outside the last 30 days."""
    with freeze_time(NOW):
        usd, usd_too, eur = (
            AccountFactory(currency="USD"),
            AccountFactory(currency="USD"),
            AccountFactory(currency="EUR"),
        )
        orders = {
            "usd today": _order(usd, days_ago=0, price="10.00"),
            "usd today, cancelled": _order(usd, days_ago=0, price="99.00"),
            "usd today, refunded in part": _order(usd_too, days_ago=0, price="40.00"),
            "usd 5 days ago": _order(usd, days_ago=5, price="20.00", quantity=2),
            "usd 29 days ago": _order(usd_too, days_ago=29, price="30.00"),  # the first day of the window
            "usd 30 days ago": _order(usd, days_ago=30, price="500.00"),  # the day before it
            "eur today": _order(eur, days_ago=0, price="7.50"),
            "eur 12 days ago": _order(eur, days_ago=12, price="12.00"),
        }
        services.order_transition(order=orders["usd today, cancelled"], to_status="cancelled")
        refunded = orders["usd today, refunded in part"]
        services.order_payment_record(order=refunded, amount=refunded.total, method="cash")
        services.order_payment_refund(order=refunded, amount=Decimal("15.00"))
    for order in orders.values():
        order.refresh_from_db()
    return orders


def _sql_figures(since: datetime.datetime, until: datetime.datetime) -> dict[str, tuple[int, Decimal]]:
    """currency -> (orders placed, totals less refunds of orders that count), straight from the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT currency, COUNT(*),
                       COALESCE(SUM(CASE WHEN counted_in_stats THEN total - amount_refunded END), 0)
                FROM {Order._meta.db_table} WHERE created_at >= %s AND created_at < %s GROUP BY currency""",
            [since, until],
        )
        return {currency: (count, Decimal(revenue).quantize(Decimal("0.01"))) for currency, count, revenue in cursor}


def test_figures_match_an_sql_aggregate_of_the_orders(staff_client, seeded):
    midnight = datetime.datetime(2026, 3, 15, tzinfo=datetime.UTC)
    tomorrow, first_day = midnight + datetime.timedelta(days=1), midnight - datetime.timedelta(days=29)

    with freeze_time(NOW):
        page = staff_client.get(reverse("admin:index"))

    sales = page.context["sales"]
    today = _sql_figures(midnight, tomorrow)
    period = _sql_figures(first_day, tomorrow)
    shown = {item.currency: item for item in sales.currencies}
    assert set(shown) == set(period) == {"USD", "EUR"}
    for currency, item in shown.items():
        assert (item.today.orders, item.today.revenue) == today[currency]
        assert (item.orders, item.revenue) == period[currency]
    assert sales.orders_today == sum(count for count, _ in today.values()) == 4
    assert sales.orders == sum(count for count, _ in period.values()) == 7
    # by hand: the cancelled order is counted as placed but brings no revenue; the refund comes off
    usd = shown["USD"]
    by_hand = seeded["usd today"].total + seeded["usd today, refunded in part"].total - Decimal("15.00")
    assert (usd.today.orders, usd.today.revenue) == (3, by_hand)
    assert [item.currency for item in sales.currencies] == ["USD", "EUR"]  # the highest revenue first

    html = page.content.decode()
    for currency, item in shown.items():
        row = re.search(rf'<tr data-currency="{currency}">(.*?)</tr>', html, re.S).group(1)
        assert f'<td class="orders-today">{item.today.orders}</td>' in row
        assert f'<td class="revenue-period">{item.revenue:,.2f}</td>' in row
    assert '<strong id="orders-today">4</strong>' in html and '<strong id="orders-period">7</strong>' in html
    assert html.count('<figure class="sales-chart"') == 2
    assert html.count('<rect class="revenue"') == 60  # 30 days, two currencies


def test_days_without_orders_are_zeros_and_the_window_is_thirty_days(seeded):
    sales = sales_overview(now=NOW)
    eur = next(item for item in sales.currencies if item.currency == "EUR")
    assert len(eur.days) == 30 and eur.days[0].day == datetime.date(2026, 2, 14) and eur.today.day == NOW.date()
    assert [day.orders for day in eur.days].count(0) == 28
    assert (sales.first_day, sales.today, sales.days, sales.time_zone) == (
        datetime.date(2026, 2, 14),
        datetime.date(2026, 3, 15),
        30,
        "UTC",
    )


def test_the_dashboard_costs_the_same_queries_however_many_orders(staff_client, account):
    place_order(account)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(reverse("admin:index")).status_code == 200
    for currency in ("EUR", "GBP", "JPY"):
        other = AccountFactory(currency=currency)
        for _ in range(3):
            place_order(other, products=[product_in_stock(other, currency=currency)])
    with CaptureQueriesContext(connection) as many:
        page = staff_client.get(reverse("admin:index"))
    assert len(page.context["sales"].currencies) == 4
    assert len(many) == len(few)
    assert sum("orders_order" in query["sql"] for query in many.captured_queries) == 1


def test_no_orders_no_chart(staff_client):
    page = staff_client.get(reverse("admin:index"))
    assert b"No orders in the last 30 days." in page.content and b"sales-chart" not in page.content


def test_chart_geometry():
    days = [DaySales(datetime.date(2026, 3, 1) + datetime.timedelta(days=n), n % 3, Decimal(n * 10)) for n in range(30)]
    chart = daily_chart(days, currency="USD")
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.title == "Mar 30: 290.00 USD, 2 orders"
    assert chart.top <= tallest.y and tallest.y + tallest.height == chart.bottom
    assert [label.text for label in chart.revenue_labels] == ["0", "150", "300"]
    assert [label.text for label in chart.order_labels] == ["0", "1", "2"]
    assert [label.text for label in chart.day_labels] == ["Mar 1", "Mar 16", "Mar 30"]
    assert all(chart.left <= point.x <= chart.right for point in chart.points)
    assert (nice_ceiling(0), nice_ceiling(7), nice_ceiling(2300), compact(2_500_000)) == (1.0, 8, 2500, "2.5M")


def test_the_index_still_lists_the_apps(staff_client):
    page = staff_client.get(reverse("admin:index"))
    assert page.status_code == 200 and any(app["app_label"] == "orders" for app in page.context["app_list"])
