from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from accounts.services import api_key_create
from omnisales.api import scopes as scope_registry
from omnisales.api.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an API key for an account and print it (the secret is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="Account id (acc_…) or exact name")
        parser.add_argument("--scopes", required=True, help="Comma-separated scopes, e.g. read:orders,write:orders")
        parser.add_argument("--name", default="CLI key")

    def handle(self, *args, account, scopes, name, **options):
        target = Account.objects.filter(pk=account).first() or Account.objects.filter(name=account).first()
        if target is None:
            raise CommandError(f"No account {account!r}")
        requested = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        try:
            api_key, secret = api_key_create(
                account=target, name=name, scopes=requested, grantor_scopes=scope_registry.expand(["admin"])
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message}: {exc.details}") from exc
        self.stdout.write(f"{api_key.public_id} ({', '.join(api_key.scopes)})")
        self.stdout.write(secret)
