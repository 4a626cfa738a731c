"""Billing reads. Each list owns its joins so a page costs the same few queries at any size."""

from django.db.models import QuerySet

from .models import Payment, Plan, Subscription


def payment_list() -> QuerySet[Payment]:
    return Payment.objects.order_by("-created_at", "-id")


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.order_by("sort_order", "amount", "id")


def subscription_list() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("plan").order_by("-created_at", "-id")
