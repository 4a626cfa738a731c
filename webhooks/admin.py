from django.contrib import admin, messages

from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin

from . import services
from .exceptions import DeliveryInProgress, WebhookDisabled
from .models import WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint, WebhookEvent


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Secrets are never shown. URL and events are changed through the API, which checks them."""

    list_display = ["url", "id", "account", "is_active", "failing_since", "consecutive_failed_deliveries", "created_at"]
    list_filter = ["is_active", "created_at", "account"]
    search_fields = ["url", "id", "account__name", "description"]
    list_select_related = ["account"]
    fields = [
        "id",
        "account",
        "url",
        "description",
        "events",
        "is_active",
        "failing_since",
        "consecutive_failed_deliveries",
        "disabled_at",
        "disabled_reason",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [field for field in fields if field not in ("description", "is_active")]
    actions = ["activate", "deactivate"]

    def has_add_permission(self, request):
        return False  # created through the API, which shows the signing secret

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in form.changed_data}
        services.endpoint_update(endpoint=WebhookEndpoint.objects.get(pk=obj.pk), data=data)

    def delete_model(self, request, obj):
        services.endpoint_delete(endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_delete(endpoint=endpoint)

    @admin.action(description="Turn selected webhooks on (clears their failure record)")
    def activate(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_update(endpoint=endpoint, data={"is_active": True})
        self.message_user(request, f"{len(queryset)} webhook(s) turned on.", messages.SUCCESS)

    @admin.action(description="Turn selected webhooks off")
    def deactivate(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_update(endpoint=endpoint, data={"is_active": False})
        self.message_user(request, f"{len(queryset)} webhook(s) turned off.", messages.SUCCESS)


class WebhookDeliveryAttemptInline(ReadOnlyInline):
    model = WebhookDeliveryAttempt
    fields = ["attempt_number", "created_at", "status_code", "latency_ms", "error", "response_excerpt", "next_retry_at"]
    readonly_fields = fields  # created_at is not editable, so it must be listed here to be shown


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "endpoint",
        "event_type",
        "status",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = [
        "status",
        "event__event_type",
        ("endpoint", admin.RelatedOnlyFieldListFilter),
        "created_at",
        "account",
    ]
    search_fields = ["id", "endpoint__url", "event__id"]
    list_select_related = ["endpoint", "event"]
    fields = [
        "id",
        "account",
        "endpoint",
        "event",
        "status",
        "attempt_count",
        "attempt_offset",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    ]  # shown read-only: nobody may change a delivery record
    inlines = [WebhookDeliveryAttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the delivery log is a record; old events are purged with their deliveries

    @admin.display(description="Event type", ordering="event__event_type")
    def event_type(self, obj):
        return obj.event.event_type

    @admin.action(description="Send selected deliveries again now")
    def redeliver(self, request, queryset):
        sent, skipped = 0, 0
        for delivery in queryset.select_related("endpoint"):
            try:
                services.delivery_redeliver(delivery=delivery)
                sent += 1
            except (WebhookDisabled, DeliveryInProgress):
                skipped += 1
        self.message_user(request, f"{sent} delivery(ies) queued again; {skipped} skipped (webhook off or in flight).")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyModelAdmin):
    """The outbox is a record of what happened: read-only."""

    list_display = ["id", "event_type", "account", "created_at"]
    list_filter = ["event_type", "created_at", "account"]
    search_fields = ["id", "event_type", "account__name"]
    list_select_related = ["account"]
    fields = ["id", "account", "event_type", "payload", "created_at", "updated_at"]
