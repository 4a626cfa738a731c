"""Query-parameter filters of the CRM lists. An invalid value is a 400 INVALID_PARAMETER (shared FilterSet)."""

import re

from django.db.models import Q
from django_filters import rest_framework as filters

from customers.normalize import MAX_TAG_LENGTH
from omnisales.api.auth import get_auth_context
from omnisales.api.filters import DateTimeFilter, FilterSet, JSONArrayContainsFilter, OrderingFilter

from . import selectors
from .models import Activity, Lead, LeadSource, LeadStatus, Opportunity, Stage

DUE_CHOICES = [("overdue", "overdue"), ("today", "today"), ("week", "week")]


def _date_filter(lookup_expr: str, help_text: str) -> filters.DateFilter:
    return filters.DateFilter(
        field_name="expected_close_date", lookup_expr=lookup_expr, input_formats=["%Y-%m-%d"], help_text=help_text
    )


class OwnedFilterSet(FilterSet):
    ownerId = filters.CharFilter(field_name="owner_id", max_length=40, help_text="Owned by this member (usr_… id).")


class LeadFilterSet(OwnedFilterSet):
    status = filters.ChoiceFilter(choices=LeadStatus.choices)
    source = filters.ChoiceFilter(choices=LeadSource.choices)
    tag = JSONArrayContainsFilter(field_name="tags", max_length=MAX_TAG_LENGTH, help_text="Leads with this tag.")
    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text="Part of the name, email, company or phone."
    )
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = OrderingFilter(
        fields=(("name", "name"), ("company", "company"), ("created_at", "createdAt")),
        help_text="name, company or createdAt; prefix - for descending. Default -createdAt.",
    )

    class Meta:
        model = Lead
        fields = []

    def filter_queryset(self, queryset):
        tag = self.form.cleaned_data.get("tag")
        if tag:
            self.form.cleaned_data["tag"] = tag.strip().lower()
        return super().filter_queryset(queryset)

    def filter_search(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        condition = (
            Q(name__icontains=term) | Q(email__icontains=term) | Q(company__icontains=term) | Q(phone__icontains=term)
        )
        digits = re.sub(r"\D", "", term)
        if len(digits) >= 3:
            condition |= Q(phone__contains=digits)
        return queryset.filter(condition)


class OpportunityFilterSet(OwnedFilterSet):
    stage = filters.ChoiceFilter(choices=Stage.choices)
    customerId = filters.CharFilter(field_name="customer_id", max_length=40)
    leadId = filters.CharFilter(field_name="lead_id", max_length=40)
    expectedCloseAfter = _date_filter("gte", "Expected to close on or after this date (YYYY-MM-DD).")
    expectedCloseBefore = _date_filter("lte", "Expected to close on or before this date (YYYY-MM-DD).")
    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, help_text="Part of the name."
    )
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = OrderingFilter(
        fields=(
            ("amount", "amount"),
            ("probability", "probability"),
            ("expected_close_date", "expectedCloseDate"),
            ("created_at", "createdAt"),
        ),
        help_text="amount, probability, expectedCloseDate or createdAt; prefix - for descending. Default -createdAt.",
    )

    class Meta:
        model = Opportunity
        fields = []


class PipelineFilterSet(OwnedFilterSet):
    expectedCloseAfter = _date_filter("gte", "Expected to close on or after this date (YYYY-MM-DD).")
    expectedCloseBefore = _date_filter("lte", "Expected to close on or before this date (YYYY-MM-DD).")
    currency = filters.CharFilter(
        method="keep", max_length=3, help_text="Count opportunities in this currency (ISO 4217); default: the store's."
    )

    class Meta:
        model = Opportunity
        fields = []

    def keep(self, queryset, name, value):
        return queryset  # read by the view, which filters on it (default: the store's currency)


class TaskFilterSet(OwnedFilterSet):
    due = filters.ChoiceFilter(
        choices=DUE_CHOICES,
        method="filter_due",
        help_text="overdue: due before today; today; week: today and the next six days (the store's time zone).",
    )

    class Meta:
        model = Activity
        fields = []

    def filter_due(self, queryset, name, value):
        account = get_auth_context(self.request).account
        return selectors.tasks_due(queryset, due=value, today=selectors.account_today(account))
