"""The shared FilterSet: invalid values are a 400 INVALID_PARAMETER, orderings always end on the key."""

import pytest
from django_filters import rest_framework as filters

from accounts.models import Account
from omnisales.api.filters import FilterSet, OrderingFilter
from omnisales.api.pagination import InvalidQueryParameter
from omnisales.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


class AccountFilter(FilterSet):
    productLimit = filters.NumberFilter(field_name="product_limit")
    createdAfter = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    name = filters.CharFilter(field_name="name")
    ordering = OrderingFilter(fields=(("name", "name"),))

    class Meta:
        model = Account
        fields = []


def test_invalid_values_raise_invalid_parameter_naming_each_parameter():
    filterset = AccountFilter({"productLimit": "many", "createdAfter": "soon"}, queryset=Account.objects.all())
    with pytest.raises(InvalidQueryParameter) as raised:
        filterset.qs  # noqa: B018
    assert raised.value.status_code == 400 and raised.value.code == "INVALID_PARAMETER"
    assert set(raised.value.details) == {"productLimit", "createdAfter"}


def test_empty_values_are_invalid_except_for_text_filters():
    with pytest.raises(InvalidQueryParameter) as raised:
        AccountFilter({"productLimit": "", "ordering": "", "name": ""}, queryset=Account.objects.all()).qs  # noqa: B018
    assert set(raised.value.details) == {"productLimit", "ordering"}
    assert AccountFilter({"name": ""}, queryset=Account.objects.all()).is_valid()


def test_valid_values_filter_and_ordering_breaks_ties_on_the_primary_key():
    first, second = AccountFactory(name="Same"), AccountFactory(name="Same")
    AccountFactory(name="Other", product_limit=5)
    filterset = AccountFilter({"ordering": "-name"}, queryset=Account.objects.all())
    assert filterset.is_valid()
    assert list(filterset.qs.query.order_by) == ["-name", "pk"]
    assert [a.pk for a in filterset.qs if a.name == "Same"] == sorted([first.pk, second.pk])
    assert [a.name for a in AccountFilter({"productLimit": "5"}, queryset=Account.objects.all()).qs] == ["Other"]


def test_an_unbound_filterset_is_not_an_error():
    assert AccountFilter(queryset=Account.objects.none()).qs.count() == 0


def test_date_times_reach_the_database_in_utc_whatever_their_offset():
    # +21:22 is a valid offset to Python but not to PostgreSQL (at most ±15:59).
    account = AccountFactory()
    filterset = AccountFilter({"createdAfter": "2000-01-01T09:21:00+21:22"}, queryset=Account.objects.all())
    assert list(filterset.qs) == [account]
    assert filterset.form.cleaned_data["createdAfter"].utcoffset().total_seconds() == 0
    with pytest.raises(InvalidQueryParameter) as raised:
        AccountFilter({"createdAfter": "0001-01-01T00:00:00+05:00"}, queryset=Account.objects.all()).qs  # noqa: B018
    assert set(raised.value.details) == {"createdAfter"}


class PrefixFilter(FilterSet):
    """A `method=` filter whose method reads its own FilterSet instance's state."""

    name = filters.CharFilter(method="filter_name")

    class Meta:
        model = Account
        fields = []

    def __init__(self, *args, prefix_of_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix_of_name = prefix_of_name

    def filter_name(self, queryset, name, value):
        return queryset.filter(name__startswith=self.prefix_of_name + value)


def test_each_filterset_instance_has_its_own_filters_and_method_filters_call_their_own_instance():
    AccountFactory(name="a-shop"), AccountFactory(name="b-shop")
    first = PrefixFilter({"name": "-s"}, queryset=Account.objects.all(), prefix_of_name="a")
    second = PrefixFilter({"name": "-s"}, queryset=Account.objects.all(), prefix_of_name="b")
    assert first.filters["name"] is not second.filters["name"]
    assert first.filters["name"] is not PrefixFilter.base_filters["name"]
    assert first.filters["name"].parent is first and second.filters["name"].parent is second
    assert [a.name for a in second.qs] == ["b-shop"] and [a.name for a in first.qs] == ["a-shop"]
    assert not hasattr(PrefixFilter.base_filters["name"], "parent")  # the declaration is never bound


def test_the_form_class_is_built_once_per_filterset_class_and_each_form_is_its_own():
    first = AccountFilter({"productLimit": "5"}, queryset=Account.objects.all())
    second = AccountFilter({"productLimit": "many"}, queryset=Account.objects.all())
    assert type(first.form) is type(second.form) and first.form is not second.form
    assert first.form.fields["productLimit"] is second.form.fields["productLimit"]  # validated, never changed
    assert first.form.fields is not second.form.fields
    assert first.form.is_valid() and not second.form.is_valid()
    assert first.form.cleaned_data["productLimit"] == 5 and "productLimit" in second.form.errors
    assert type(PrefixFilter({}, queryset=Account.objects.all(), prefix_of_name="").form) is not type(first.form)
