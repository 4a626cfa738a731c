"""Orders admin: read-only pages, filters and search, the bulk "mark shipped" action, CSV export."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from orders import services
from orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(make_order, make_customer):
    ada = make_order(customer=make_customer(name="Ada Lovelace", email="ada@example.com"), channel="phone")
    alan = make_order(customer=make_customer(name="Alan Turing", email="alan@example.com"), shipping=Decimal("5"))
    services.order_transition(order=alan, to_status="processing")
    services.order_payment_record(order=alan, amount=Decimal("5.00"), method="cash")
    return ada, alan


CHANGELIST = "admin:orders_order_changelist"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"ada", "alan"}),
        ({"q": "lovelace"}, {"ada"}),
        ({"q": "alan@example"}, {"alan"}),
        ({"status__exact": "processing"}, {"alan"}),
        ({"channel__exact": "phone"}, {"ada"}),
        ({"payment_status__exact": "partially_paid"}, {"alan"}),
        ({"created_at__gte": "2000-01-01 00:00:00+00:00"}, {"ada", "alan"}),
    ],
)
def test_changelist_filters_and_searches(admin_client, orders, params, expected):
    by_name = {"ada": orders[0].pk, "alan": orders[1].pk}
    response = admin_client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    assert {order.pk for order in response.context["cl"].result_list} == {by_name[name] for name in expected}


def test_search_by_order_id(admin_client, orders):
    response = admin_client.get(reverse(CHANGELIST), {"q": orders[0].pk})
    assert [order.pk for order in response.context["cl"].result_list] == [orders[0].pk]


def test_order_page_shows_lines_payments_and_timeline_read_only(admin_client, orders):
    order = orders[1]
    response = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    item = order.items.get()
    assert item.sku in content and "Status Changed" in content and "Cash" in content
    assert "Save" not in content, "orders are not edited by hand"
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403


@pytest.mark.parametrize("model", ["orderpayment", "orderitem", "orderevent"])
def test_related_changelists_load(admin_client, orders, model):
    assert admin_client.get(reverse(f"admin:orders_{model}_changelist")).status_code == 200


def test_mark_shipped_ships_processing_orders_and_reports_the_rest(admin_client, admin_user, orders):
    ada, alan = orders
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "mark_shipped", "_selected_action": [ada.pk, alan.pk]}, follow=True
    )

    messages = [str(message) for message in response.context["messages"]]
    assert "1 order(s) marked shipped." in messages
    assert any(ada.pk in message and "skipped" in message and "(pending)" in message for message in messages)
    ada.refresh_from_db()
    alan.refresh_from_db()
    assert (ada.status, alan.status) == ("pending", "shipped")
    event = OrderEvent.objects.get(order=alan, to_status="shipped")
    assert (event.actor_type, event.actor_label) == ("user", admin_user.email)


def test_mark_shipped_needs_the_change_permission(client, admin_user, orders):
    staff = User.objects.create_user(email="viewer@example.com", password="x-long-password", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(staff)
    response = client.post(reverse(CHANGELIST), {"action": "mark_shipped", "_selected_action": [orders[1].pk]})
    orders[1].refresh_from_db()
    assert orders[1].status == "processing"
    assert response.status_code in (200, 302)


def test_export_csv(admin_client, orders):
    ada, alan = orders
    response = admin_client.post(reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [ada.pk, alan.pk]})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["id"] for row in rows] == [alan.pk, ada.pk]
    assert rows[0]["customerName"] == "Alan Turing" and rows[0]["customerEmail"] == "alan@example.com"
    assert (rows[0]["status"], rows[0]["paymentStatus"], rows[0]["amountPaid"]) == (
        "processing",
        "partially_paid",
        "5.00",
    )
    assert rows[0]["total"] == str(alan.total) and rows[0]["items"] == f"1 x {alan.items.get().sku}"


def test_export_defuses_spreadsheet_formulas(admin_client, make_order, make_customer):
    order = make_order(customer=make_customer(name='=HYPERLINK("http://evil")'))
    response = admin_client.post(reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [order.pk]})
    [row] = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row["customerName"].startswith("'=")


def test_changelist_shows_the_business_columns(admin_client, orders):
    response = admin_client.get(reverse(CHANGELIST))
    columns = response.context["cl"].list_display
    assert columns == [
        "action_checkbox",
        "number",
        "customer_name",
        "status",
        "total_amount",
        "channel",
        "placed",
        "account",
    ]
    content = response.content.decode()
    assert "Alan Turing" in content and f"{orders[1].total:,.2f} {orders[1].currency}" in content
    assert f"Alan Turing ({orders[1].customer_id})" not in content, "the customer by name, not by its id"


def test_order_page_reads_like_an_order(admin_client, orders):
    order = orders[1]
    services.order_shipping_update(
        order=order,
        changes={
            "shipping_address": {
                "name": "Alan Turing",
                "line_1": "2 Bletchley Park",
                "city": "Milton Keynes",
                "postal_code": "MK3 6EB",
                "country": "GB",
            }
        },
    )
    response = admin_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    fieldsets = [(fieldset.name, fieldset.classes) for fieldset in response.context["adminform"]]
    assert fieldsets == [
        ("Order", ""),
        ("Customer", ""),
        ("Money", ""),
        ("Shipping", ""),
        ("Payment", ""),
        ("Record", "collapse"),
    ]
    content = response.content.decode()
    customer_url = reverse("admin:customers_customer_change", args=[order.customer_id])
    assert f'<a href="{customer_url}">Alan Turing</a>' in content
    assert "<div>2 Bletchley Park</div><div>Milton Keynes MK3 6EB</div><div>GB</div>" in content
    assert f"{order.total - Decimal('5.00'):,.2f} {order.currency}" in content  # the balance due
    assert [formset.formset.prefix for formset in response.context["inline_admin_formsets"]] == [
        "items",
        "payments",
        "events",
    ]


def test_status_actions_move_orders_through_the_service(admin_client, orders):
    ada, alan = orders

    response = admin_client.post(
        reverse(CHANGELIST), {"action": "mark_processing", "_selected_action": [ada.pk, alan.pk]}, follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert "1 order(s) marked processing." in messages
    assert any("only pending orders can start processing" in message and alan.pk in message for message in messages)

    admin_client.post(reverse(CHANGELIST), {"action": "mark_shipped", "_selected_action": [alan.pk]})
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "mark_delivered", "_selected_action": [ada.pk, alan.pk]}, follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert "1 order(s) marked delivered." in messages
    assert any("only shipped orders can be delivered" in message and ada.pk in message for message in messages)
    ada.refresh_from_db()
    alan.refresh_from_db()
    assert (ada.status, alan.status) == ("processing", "delivered")
    assert alan.delivered_at is not None
    assert OrderEvent.objects.filter(order=alan, to_status="delivered", actor_type="user").exists()


def test_a_customers_page_lists_their_recent_orders(admin_client, make_order, make_customer):
    grace = make_customer(name="Grace Hopper")
    placed = [make_order(customer=grace) for _ in range(12)]
    make_order()  # someone else's
    response = admin_client.get(reverse("admin:customers_customer_change", args=[grace.pk]))

    [recent] = [formset for formset in response.context["inline_admin_formsets"] if formset.opts.model is Order]
    shown = [form.instance.pk for form in recent.formset.forms]
    assert shown == [order.pk for order in reversed(placed)][:10]  # the newest ten
    content = response.content.decode()
    assert f'<a href="{reverse("admin:orders_order_change", args=[placed[-1].pk])}">' in content
    all_orders = f"{reverse(CHANGELIST)}?customer__id__exact={grace.pk}"
    assert all_orders in content
    listed = admin_client.get(all_orders).context["cl"]
    assert listed.result_count == 12
