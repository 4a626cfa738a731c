from django.core.management.base import BaseCommand, CommandError

from billing import services
from billing.models import Plan
from omnisales.api.errors import ApplicationError


class Command(BaseCommand):
    help = "Create the Stripe Product and recurring Price of every active plan that has none, and store their ids."

    def add_arguments(self, parser):
        parser.add_argument("plans", nargs="*", help="Plan ids (default: every active plan)")

    def handle(self, *args, plans, **options):
        queryset = Plan.objects.filter(pk__in=plans) if plans else Plan.objects.filter(is_active=True)
        missing = set(plans) - set(queryset.values_list("pk", flat=True))
        if missing:
            raise CommandError(f"No such plan: {', '.join(sorted(missing))}")
        for plan in queryset:
            try:
                plan = services.plan_sync_to_stripe(plan=plan)
            except ApplicationError as exc:
                raise CommandError(f"{plan.id}: {exc.message} ({exc.details})") from exc
            self.stdout.write(f"{plan.id}: product {plan.stripe_product_id}, price {plan.stripe_price_id}")
