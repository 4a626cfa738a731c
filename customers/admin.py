from django.contrib import admin, messages
from django.utils.html import format_html_join

from . import services
from .models import Customer, CustomerSegment

ADDRESS_LINES = (("name",), ("line_1",), ("line_2",), ("city", "region", "postal_code"), ("country",), ("phone",))


def address_html(address: dict | None):
    """A structured address (customers' and orders' shipping addresses) as the lines of a label."""
    address = address or {}
    lines = [" ".join(str(address[key]) for key in keys if address.get(key)) for keys in ADDRESS_LINES]
    return format_html_join("", "<div>{}</div>", ((line,) for line in lines if line)) or "-"


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
        "total_orders",
        "total_spent",
        "last_order_date",
        "rfm_segment",
        "account",
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
        "account",
    ]
    search_fields = ["id", "name", "email", "phone", "tags"]
    list_select_related = ["account"]
    readonly_fields = [*(field.name for field in Customer._meta.fields), "shipping_address_lines"]
    fieldsets = [
        ("Customer", {"fields": ["name", "email", "phone", "tags", "account"]}),
        ("Addresses", {"fields": ["address", "shipping_address_lines"]}),
        ("Marketing", {"fields": ["accepts_email_marketing", "accepts_sms_marketing"]}),
        ("Orders", {"fields": ["total_orders", "total_spent", "first_order_date", "last_order_date"]}),
        ("RFM", {"fields": ["rfm_segment", "r_score", "f_score", "m_score", "rfm_computed_at"]}),
        (
            "Record",
            {"classes": ["collapse"], "fields": ["id", "created_at", "updated_at", "is_anonymized", "anonymized_at"]},
        ),
    ]
    actions = ["anonymize"]
    date_hierarchy = "created_at"

    @admin.display(description="Shipping address")
    def shipping_address_lines(self, obj):
        return address_html(obj.shipping_address)

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
    list_filter = ["created_at", "account"]
    search_fields = ["id", "name", "description", "account__name"]
    list_select_related = ["account"]
    readonly_fields = ["id", "account", "name", "description", "rules", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # rules are validated by the API

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.segment_delete(segment=obj)  # the definition only; its customers stay as they are

    def delete_queryset(self, request, queryset):
        for segment in queryset:
            services.segment_delete(segment=segment)
