"""GET /api/customers and /api/customers/{customerId} answer, byte for byte, what DRF's CustomerSerializer
renders for the same customers, and their statement counts do not grow with the page."""

import pytest

from customers import services
from customers.models import Customer
from customers.serializers import CustomerSerializer
from omnisales.api.representation import plan_for
from omnisales.testing.representations import assert_renders_like_drf, drf_rendering, statements

from .factories import set_order_stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_customers(account, make_customer):
    """Customers with every kind of value a customer shows: no email or phone, a full shipping address and
    one stored without its optional parts, tags, marketing consent, order statistics (totals and
    dates) or none, an anonymized customer, and text with line separators."""
    make_customer(name="Bare", email=None)
    full = services.customer_create(
        account=account,
        name="Zoë \u2028 Full",
        email="zoe@example.com",
        phone="+14155552671",
        address="1 Main St \u2029 Springfield",
        shipping_address={"line_1": "1 Main St", "city": "Springfield", "region": "IL", "country": "us"},
        tags=["VIP", "wholesale"],
        accepts_email_marketing=True,
    )
    set_order_stats(full, orders=3, spent="1234.50")
    legacy = make_customer(name="Legacy", shipping_address={"line_1": "2 Old Rd", "city": "Oldtown", "country": "GB"})
    set_order_stats(legacy, orders=1, spent="0.10")
    gone = services.customer_create(account=account, name="Gone", email="gone@example.com", tags=["x"])
    services.customer_anonymize(customer=gone)
    return account


def drf(customers, **kwargs) -> bytes:
    return drf_rendering(CustomerSerializer, customers, **kwargs)


def test_the_customer_representation_is_compiled():
    assert plan_for(CustomerSerializer) is not None


def test_customers_render_like_drf(varied_customers):
    customers = list(Customer.objects.filter(account=varied_customers))
    expected = assert_renders_like_drf(CustomerSerializer, customers, many=True)
    addresses = [customer["shipping_address"] for customer in expected]
    assert None in addresses
    legacy = {"line_1": "2 Old Rd", "line_2": "", "city": "Oldtown", "region": "", "postal_code": "", "country": "GB"}
    assert legacy in addresses
    assert any(customer["is_anonymized"] for customer in expected)


def test_the_list_answers_drfs_representation_byte_for_byte(api, varied_customers):
    customers = list(Customer.objects.filter(account=varied_customers))
    response = api.get("/api/customers?limit=250&includeAnonymized=true")
    assert response.status_code == 200
    assert response.content == drf(customers, many=True)
    active = [customer for customer in customers if not customer.is_anonymized]
    assert api.get("/api/customers?limit=250").content == drf(active, many=True)


def test_each_detail_answers_drfs_representation_byte_for_byte(api, varied_customers):
    for customer in Customer.objects.filter(account=varied_customers):
        response = api.get(f"/api/customers/{customer.pk}")
        assert response.status_code == 200
        assert response.content == drf(customer)


def test_writes_answer_the_same_representation(api, varied_customers):
    customer = Customer.objects.get(account=varied_customers, name="Bare")
    response = api.patch(f"/api/customers/{customer.pk}", {"tags": ["New"], "phone": "+442071838750"}, format="json")
    assert response.status_code == 200, response.content
    assert response.content == api.get(f"/api/customers/{customer.pk}").content
    assert response.content == drf(Customer.objects.get(pk=customer.pk))


@pytest.mark.parametrize(
    "query", ["limit=250", "limit=1", "limit=250&includeAnonymized=true&tag=vip&search=customer&ordering=-totalSpent"]
)
def test_list_statements_are_the_same_for_one_customer_and_many(api, make_customer, query):
    make_customer(name="Customer 0", tags=["vip"], shipping_address={"line_1": "1 A St", "city": "B", "country": "US"})
    api.get("/api/customers")  # the credential's last-used stamp is written once
    one = statements(api, f"/api/customers?{query}")

    for number in range(1, 30):
        make_customer(
            name=f"Customer {number}", tags=["vip"], shipping_address={"line_1": "1 A St", "city": "B", "country": "US"}
        )
    many = statements(api, f"/api/customers?{query}")
    assert len(many) == len(one), "\n".join(many)
    assert len(api.get(f"/api/customers?{query}").json()) == (1 if "limit=1" in query else 30)


def test_detail_statements_are_fixed(api, varied_customers):
    api.get("/api/customers")
    counts = {
        len(statements(api, f"/api/customers/{customer.pk}"))
        for customer in Customer.objects.filter(account=varied_customers)
    }
    assert len(counts) == 1
