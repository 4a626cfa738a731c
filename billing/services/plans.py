"""Plan set-up in Stripe: the plan's Product and recurring Price."""

from omnisales.api.money import to_minor_units

from ..models import Plan
from ..providers import stripe_gateway
from ._common import stripe_id


def plan_sync_to_stripe(*, plan: Plan) -> Plan:
    """The plan's Stripe Product and recurring Price, found or created, with their ids stored on the plan.

    Ids already stored are used as they are (no Stripe call). Otherwise the price that holds the plan's
    lookup key `omnisales_<plan id>` in Stripe is used when it is active and has the plan's amount,
    currency and interval: another process, or another database on the same Stripe account, made it.
    Otherwise a price is created with that lookup key (taking it over), of the plan's product, or of a
    new product made in the same request; its Idempotency-Key is derived from the plan and the price,
    so processes that both found nothing get the one same price back from Stripe. Checkout calls this
    on demand, `manage.py stripe_sync_plans` and the admin ahead of time.

    Stripe prices are immutable: after changing a plan's amount, clear its price id; the next call
    creates a price with the new amount, which takes over the lookup key.
    """
    if plan.stripe_price_id:
        return plan
    amount_cents = to_minor_units(plan.amount, plan.currency)
    lookup_key = f"omnisales_{plan.id}"
    price = stripe_gateway.price_by_lookup_key(lookup_key=lookup_key)
    matches = price is not None and (
        price.get("active"),
        price.get("unit_amount"),
        price.get("currency"),
        (price.get("recurring") or {}).get("interval"),
    ) == (True, amount_cents, plan.currency, plan.billing_interval)
    if not matches:
        product_id = plan.stripe_product_id or (stripe_id(price.get("product")) if price else "")
        price = stripe_gateway.recurring_price_create(
            product=product_id or {"name": plan.name, "metadata": {"plan_id": plan.id}},
            amount_cents=amount_cents,
            currency=plan.currency,
            interval=plan.billing_interval,
            lookup_key=lookup_key,
            idempotency_key=(
                f"plan:{plan.id}:price:{product_id or 'new-product'}:{amount_cents}:{plan.currency}:"
                f"{plan.billing_interval}"
            ),
        )
    Plan.objects.filter(pk=plan.pk, stripe_price_id="").update(
        stripe_price_id=price["id"], stripe_product_id=stripe_id(price.get("product"))
    )
    plan.refresh_from_db()
    return plan
