"""Payments, refunds, subscriptions and Stripe events are read-only here: Stripe and the services own
their state. Plans are reference data and fully editable."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin
from omnisales.api.errors import ApplicationError

from . import services
from .models import Payment, Plan, Refund, StripeEvent, Subscription


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["id", "amount", "currency", "status", "reason", "stripe_refund_id", "created_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = [
        "id",
        "account",
        "amount",
        "currency",
        "status",
        "amount_refunded",
        "customer_reference",
        "order_reference",
        "created_at",
    ]
    list_filter = ["status", "currency", "created_at", "account"]
    search_fields = [
        "id",
        "stripe_payment_intent_id",
        "stripe_charge_id",
        "customer_reference",
        "order_reference",
        "account__name",
    ]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "payment", "account", "amount", "currency", "status", "reason", "created_at"]
    list_filter = ["status", "reason", "currency", "account"]
    search_fields = ["id", "stripe_refund_id", "payment__id", "payment__stripe_payment_intent_id"]
    list_select_related = ["payment", "account"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyModelAdmin):
    list_display = [
        "id",
        "account",
        "plan",
        "status",
        "current_period_end",
        "cancel_at_period_end",
        "latest_invoice_status",
        "created_at",
    ]
    list_filter = ["status", "plan", "cancel_at_period_end", "latest_invoice_status", "account"]
    search_fields = ["id", "stripe_subscription_id", "stripe_customer_id", "account__name"]
    list_select_related = ["account", "plan"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "amount",
        "currency",
        "billing_interval",
        "product_limit",
        "is_active",
        "price_set",
        "stripe_product_id",
        "stripe_price_id",
    ]
    list_editable = ["is_active"]
    list_filter = ["is_active", "billing_interval", "currency"]
    search_fields = ["id", "name", "stripe_product_id", "stripe_price_id"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["sync_to_stripe", "deactivate"]

    def get_readonly_fields(self, request, obj=None):
        # The id is referenced by subscriptions and by clients; it is chosen once.
        return [*self.readonly_fields, "id"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.subscriptions.exists()

    @admin.display(boolean=True, description="In Stripe")
    def price_set(self, obj):
        return bool(obj.stripe_price_id)

    @admin.action(description="Find or create the Stripe product and price (checkout also does on first use)")
    def sync_to_stripe(self, request, queryset):
        for plan in queryset:
            try:
                services.plan_sync_to_stripe(plan=plan)
            except ApplicationError as exc:
                self.message_user(request, f"{plan.id}: {exc.message}", messages.ERROR)
                return
        self.message_user(request, f"{queryset.count()} plan(s) set up in Stripe.", messages.SUCCESS)

    @admin.action(description="Stop offering the selected plans (existing subscriptions continue)")
    def deactivate(self, request, queryset):
        updated = queryset.update(is_active=False)
        self.message_user(request, f"{updated} plan(s) deactivated.", messages.SUCCESS)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyModelAdmin):
    list_display = ["stripe_event_id", "event_type", "account", "result", "delivery_count", "received_at"]
    list_filter = ["event_type", "result", "livemode", "account"]
    search_fields = ["stripe_event_id", "id", "account__name"]
    list_select_related = ["account"]
    date_hierarchy = "received_at"
    fields = [
        "id",
        "stripe_event_id",
        "event_type",
        "account",
        "result",
        "delivery_count",
        "livemode",
        "stripe_created_at",
        "received_at",
        "payload_pretty",
    ]
    readonly_fields = fields

    @admin.display(description="Payload")
    def payload_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))
