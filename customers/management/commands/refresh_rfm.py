"""Recomputes the stored RFM scores now, as the hourly beat task does."""

from django.conf import settings
from django.core.management.base import BaseCommand

from customers import services


class Command(BaseCommand):
    help = "Recompute the stored RFM scores and segments of every active account (or of --account ids)."

    def add_arguments(self, parser):
        parser.add_argument("--account", action="append", dest="accounts", help="An account id; repeatable.")

    def handle(self, *args, accounts=None, **options):
        count = services.rfm_scores_refresh_accounts(
            batch_size=settings.CUSTOMERS_RFM_REFRESH_BATCH_SIZE, account_ids=accounts
        )
        self.stdout.write(f"RFM scores refreshed for {count} account(s).")
