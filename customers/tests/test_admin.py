import pytest
from django.urls import reverse

from customers import services
from customers.models import Customer
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(account):
    jane = services.customer_create(account=account, name="Jane Smith", email="jane@example.com", tags=["vip"])
    bob = services.customer_create(account=account, name="Bob Jones", phone="+14155552671")
    return jane, bob


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "jane"},
        {"q": "+1415"},
        {"q": "vip"},
        {"is_anonymized__exact": "1"},
        {"accepts_email_marketing__exact": "0"},
        {"has_orders": "no"},
        {"has_orders": "yes"},
        {"rfm_segment__exact": "champions"},
        {"created_at__gte": "2020-01-01 00:00:00+00:00"},
    ],
)
def test_changelist_searches_and_filters(admin_client, customers, params):
    response = admin_client.get(reverse("admin:customers_customer_changelist"), params)

    assert response.status_code == 200


def test_search_finds_by_name_email_phone_and_tag(admin_client, customers):
    url = reverse("admin:customers_customer_changelist")

    for term, expected in (("jane@", "Jane Smith"), ("4155552671", "Bob Jones"), ("vip", "Jane Smith")):
        results = admin_client.get(url, {"q": term}).context["cl"].result_list
        assert [customer.name for customer in results] == [expected]


def test_anonymize_action_goes_through_the_service(admin_client, account, customers):
    jane, bob = customers

    response = admin_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "anonymize", "_selected_action": [jane.pk]},
        follow=True,
    )

    assert response.status_code == 200
    jane.refresh_from_db()
    bob.refresh_from_db()
    assert (jane.name, jane.email, jane.is_anonymized) == ("Deleted customer", None, True)
    assert bob.is_anonymized is False
    assert WebhookEvent.objects.filter(event_type="customer.deleted").count() == 1


def test_customers_cannot_be_edited_or_deleted_in_the_admin(admin_client, customers):
    jane, _ = customers
    change_url = reverse("admin:customers_customer_change", args=[jane.pk])

    assert admin_client.get(change_url).status_code == 200
    assert admin_client.post(change_url, {"name": "Hacked"}).status_code == 403
    assert (
        admin_client.post(reverse("admin:customers_customer_delete", args=[jane.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:customers_customer_add")).status_code == 403
    jane.refresh_from_db()
    assert jane.name == "Jane Smith"
    assert Customer.objects.count() == 2


def test_segment_admin_lists_and_shows(admin_client, segment_factory):
    segment = segment_factory(name="VIPs")

    assert admin_client.get(reverse("admin:customers_customersegment_changelist"), {"q": "vip"}).status_code == 200
    assert admin_client.get(reverse("admin:customers_customersegment_change", args=[segment.pk])).status_code == 200


def test_a_customers_page_groups_profile_stats_and_rfm(admin_client, customers):
    jane, _ = customers
    Customer.objects.filter(pk=jane.pk).update(
        rfm_segment="champions",
        r_score=5,
        f_score=4,
        m_score=5,
        shipping_address={"name": "Jane Smith", "line_1": "1 Main St", "city": "Springfield", "country": "US"},
    )
    response = admin_client.get(reverse("admin:customers_customer_change", args=[jane.pk]))

    fieldsets = [fieldset.name for fieldset in response.context["adminform"]]
    assert fieldsets == ["Customer", "Addresses", "Marketing", "Orders", "RFM", "Record"]
    content = response.content.decode()
    assert "Champions" in content  # the segment's label
    assert "<div>Jane Smith</div><div>1 Main St</div><div>Springfield</div><div>US</div>" in content


def test_the_changelist_filters_by_account(admin_client, customers, other_account):
    services.customer_create(account=other_account, name="Someone Else")
    response = admin_client.get(
        reverse("admin:customers_customer_changelist"), {"account__id__exact": customers[0].account_id}
    )
    assert {customer.name for customer in response.context["cl"].result_list} == {"Jane Smith", "Bob Jones"}
