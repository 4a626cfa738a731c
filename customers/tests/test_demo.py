import pytest

from accounts.demo import demo_account
from customers import demo
from customers.models import Customer, CustomerSegment
from customers.normalize import normalize_email, normalize_phone, normalize_tags

pytestmark = pytest.mark.django_db


def test_demo_seed_is_plausible_and_idempotent():
    account, user = demo_account()
    messages = []

    demo.seed(account, user=user, log=messages.append)
    demo.seed(account, user=user, log=messages.append)

    customers = list(Customer.objects.filter(account=account))
    assert len(customers) == demo.DEMO_CUSTOMER_COUNT
    assert messages[-1] == f"Customers: 0 created, {demo.DEMO_CUSTOMER_COUNT} already there."
    assert len({customer.email for customer in customers}) == len(customers)
    for customer in customers:
        assert normalize_email(customer.email) == customer.email
        assert customer.phone is None or normalize_phone(customer.phone) == customer.phone
        assert normalize_tags(customer.tags) == customer.tags
        assert (customer.total_orders, customer.total_spent, customer.last_order_date) == (0, 0, None)
    assert sum(1 for customer in customers if customer.phone) > 100
    assert sum(1 for customer in customers if "vip" in customer.tags) > 5
    assert CustomerSegment.objects.filter(account=account).count() == len(demo.SEGMENTS)


def test_seed_demo_command_runs_the_customers_seed():
    from django.core.management import call_command

    call_command("seed_demo")

    assert Customer.objects.count() == demo.DEMO_CUSTOMER_COUNT
