"""The staff back office for the pipeline: read-only lists (stages, statuses and conversions go through the
services), filtered by account first, with the pipeline's own filters."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from . import selectors
from .models import OPEN_STAGES, Activity, Lead, Opportunity


class ReadOnlyAdmin(admin.ModelAdmin):
    list_select_related = ["account"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a plain save would bypass the services' rules and events

    def has_delete_permission(self, request, obj=None):
        return False


class OpenOrClosedFilter(admin.SimpleListFilter):
    title = "pipeline"
    parameter_name = "pipeline"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("closed", "Won or lost")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(stage__in=OPEN_STAGES)
        if self.value() == "closed":
            return queryset.exclude(stage__in=OPEN_STAGES)
        return queryset


class ExpectedClosePeriodFilter(admin.SimpleListFilter):
    title = "expected close"
    parameter_name = "closing"

    def lookups(self, request, model_admin):
        return [("overdue", "Past, still open"), ("month", "Within 30 days"), ("quarter", "Within 90 days")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(expected_close_date__lt=today, stage__in=OPEN_STAGES)
        for value, days in (("month", 30), ("quarter", 90)):
            if self.value() == value:
                return queryset.filter(
                    expected_close_date__gte=today, expected_close_date__lte=today + timezone.timedelta(days=days)
                )
        return queryset


class TaskDueFilter(admin.SimpleListFilter):
    title = "task due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("today", "Due today"), ("open", "All open tasks")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        open_tasks = queryset.filter(Q(type="task", done=False))
        if self.value() == "overdue":
            return open_tasks.filter(due_date__lt=today)
        if self.value() == "today":
            return open_tasks.filter(due_date=today)
        if self.value() == "open":
            return open_tasks
        return queryset


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "company",
        "email",
        "phone",
        "status",
        "source",
        "owner",
        "customer",
        "account",
        "created_at",
    ]
    list_filter = ["account", "status", "source", "created_at"]
    search_fields = ["id", "name", "email", "phone", "company"]
    list_select_related = ["account", "owner", "customer"]
    readonly_fields = [field.name for field in Lead._meta.fields]
    date_hierarchy = "created_at"


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "stage",
        "amount",
        "currency",
        "probability",
        "expected_close_date",
        "customer",
        "owner",
        "order",
        "account",
    ]
    list_filter = ["account", OpenOrClosedFilter, "stage", ExpectedClosePeriodFilter, "currency", "created_at"]
    search_fields = ["id", "name", "customer__name", "lead__name", "lost_reason"]
    list_select_related = ["account", "customer", "owner", "order"]
    readonly_fields = [field.name for field in Opportunity._meta.fields]
    date_hierarchy = "expected_close_date"
    ordering = ["expected_close_date", "-amount"]
    change_list_template = "admin/crm/opportunity/change_list.html"

    def changelist_view(self, request, extra_context=None):
        """The list, headed by the pipeline figures of exactly the opportunities it shows (filters applied)."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["pipeline"] = selectors.pipeline_by_currency(changelist.queryset)
        return response


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["subject", "type", "due_date", "done", "owner", "lead", "opportunity", "account", "created_at"]
    list_filter = ["account", "type", TaskDueFilter, "done", "created_at"]
    search_fields = ["id", "subject", "body", "lead__name", "opportunity__name"]
    list_select_related = ["account", "owner", "lead", "opportunity"]
    readonly_fields = [field.name for field in Activity._meta.fields]
