from django.contrib import admin, messages

from . import services
from .models import Customer, CustomerSegment


class HasOrdersFilter(admin.SimpleListFilter):
    title = "orders"
    parameter_name = "has_orders"

    def lookups(self, request, model_admin):
        return [("yes", "Has ordered"), ("no", "Never ordered")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(total_orders__gt=0)
        if self.value() == "no":
            return queryset.filter(total_orders=0)
        return queryset


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Read-only: profile changes go through the API (validation, events); the one action anonymizes.

    Customers cannot be deleted here: order history points at them, so "delete" means anonymize.
    """

    list_display = [
        "name",
        "email",
        "phone",
        "account",
        "total_orders",
        "total_spent",
        "last_order_date",
        "rfm_segment",
        "accepts_email_marketing",
        "accepts_sms_marketing",
        "is_anonymized",
        "created_at",
    ]
    list_filter = [
        "rfm_segment",
        "is_anonymized",
        "accepts_email_marketing",
        "accepts_sms_marketing",
        HasOrdersFilter,
        "created_at",
        "last_order_date",
    ]
    search_fields = ["id", "name", "email", "phone", "tags"]
    list_select_related = ["account"]
    readonly_fields = [field.name for field in Customer._meta.fields]
    actions = ["anonymize"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a plain save would bypass the services and could overwrite order stats

    def has_delete_permission(self, request, obj=None):
        return False

    def has_anonymize_permission(self, request):
        return request.user.has_perm("customers.change_customer")

    @admin.action(
        description="Anonymize selected customers (erase personal data, keep order history)",
        permissions=["anonymize"],
    )
    def anonymize(self, request, queryset):
        count = 0
        for customer in queryset.filter(is_anonymized=False).select_related("account"):
            services.customer_anonymize(customer=customer)
            count += 1
        self.message_user(request, f"{count} customer(s) anonymized.", messages.SUCCESS)


@admin.register(CustomerSegment)
class CustomerSegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "account", "created_at", "updated_at"]
    list_filter = ["created_at"]
    search_fields = ["id", "name", "description", "account__name"]
    list_select_related = ["account"]
    readonly_fields = ["id", "account", "name", "description", "rules", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # rules are validated by the API

    def has_change_permission(self, request, obj=None):
        return False
