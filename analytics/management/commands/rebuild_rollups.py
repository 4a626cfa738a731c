"""Recomputes the daily sales rollups from the orders: the check (differences are listed) and the repair."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from orders.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the daily sales rollups (orders.SalesDay) of one account, or all, from their orders."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="An account id (acc_…); every account when left out.")

    def handle(self, *args, account=None, **options):
        accounts = Account.objects.order_by("pk")
        if account:
            accounts = accounts.filter(pk=account)
            if not accounts.exists():
                raise CommandError(f"No account {account}")
        mismatched = 0
        for each in accounts.iterator():
            result = rollups_rebuild(account=each)
            mismatched += bool(result.differences)
            self.stdout.write(f"{each.pk}: {result.rows} rows, {len(result.differences)} differed")
            for table, key, figures in result.differences[:20]:
                changes = ", ".join(f"{name} {had} -> {want}" for name, (had, want) in figures.items())
                self.stdout.write(f"  {table} {' '.join(str(part) for part in key)}: {changes}")
        self.stdout.write(f"{mismatched} account(s) had differences, now repaired")
