"""Seeds the three plans. Stripe ids stay empty until `manage.py stripe_sync_plans` creates them
(or an admin pastes existing ones); the admin edits everything else."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    {
        "id": "plan_starter",
        "name": "Starter Plan",
        "amount": Decimal("29.00"),
        "product_limit": 100,
        "sort_order": 10,
        "features": ["Up to 100 products", "Basic analytics", "Email support"],
    },
    {
        "id": "plan_growth",
        "name": "Growth Plan",
        "amount": Decimal("79.00"),
        "product_limit": 1000,
        "sort_order": 20,
        "features": [
            "Up to 1,000 products",
            "Advanced analytics and RFM segments",
            "Marketplace integrations",
            "Priority email support",
        ],
    },
    {
        "id": "plan_pro",
        "name": "Pro Plan",
        "amount": Decimal("199.00"),
        "product_limit": None,
        "sort_order": 30,
        "features": [
            "Unlimited products",
            "All integrations and webhooks",
            "CRM and campaigns",
            "Phone and email support",
        ],
    },
]


def seed_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in PLANS:
        Plan.objects.get_or_create(
            id=plan["id"], defaults={**plan, "currency": "usd", "billing_interval": "month", "is_active": True}
        )


def remove_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(id__in=[plan["id"] for plan in PLANS], subscriptions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed_plans, remove_plans)]
