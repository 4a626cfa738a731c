"""Loads the demo store once, into a database without merchants, and prints the development logins.

The demo merchant first, then each app's `demo.seed()` in layer order, in one transaction. A database
that has the demo store (or any merchant) is left as it is: run again, it changes nothing and prints
the same logins and API key. `--reset` deletes the demo store and loads it anew; `--new-key` replaces
the demo API key.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo
from accounts.models import Account


class Command(BaseCommand):
    help = (
        "Load the demo store into a database without merchants (once), make the development operator login, "
        "and print both logins and the demo API key."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo store with everything in it, and load it anew."
        )
        parser.add_argument("--new-key", action="store_true", help="Revoke the demo API key and print a new one.")

    def handle(self, *args, reset=False, new_key=False, **options):
        if reset:
            demo.reset(log=self.stdout.write)
        account = demo.demo_store()
        api_key = None
        if account is not None:
            self.stdout.write("Demo store already loaded: left as it is (`make demo-reset` loads it anew).")
        elif reset or not Account.objects.exists():
            account, api_key = self._load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write(
                "This database has merchants but no demo store: demo data not loaded "
                "(`manage.py seed_demo --reset` loads it anyway)."
            )
        if account is not None and (new_key or api_key is None):
            api_key = demo.api_key_issue(account, user=None) if new_key else demo.api_key_kept(account)
        self._print_logins(account, api_key)

    @transaction.atomic
    def _load(self):
        account, user = demo.demo_account()
        api_key = demo.seed(account, user=user, log=self.stdout.write)["api_key"]
        for seed in demo.app_seeds():
            seed(account, user=user, log=self.stdout.write)
        return account, api_key

    def _print_logins(self, account, api_key) -> None:
        base_url = f"http://localhost:{settings.PORT}"
        operator_email, operator_password = demo.operator_login()
        write = self.stdout.write
        if account is not None:
            write(f"  Store:    {account.name} ({account.id})")
            write(f"  Login:    {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}   (the demo merchant's owner, for the API)")
            if api_key:
                kept_in = settings.LOCAL_CREDENTIALS_FILE and f", kept in {Path(settings.LOCAL_CREDENTIALS_FILE).name}"
                write(f"  API key:  {api_key}   (the demo store's admin-scope key{kept_in})")
            else:
                write("  API key:  not kept on this machine; `manage.py seed_demo --new-key` issues a new one")
        login = f"{operator_email} / {operator_password or '(password not kept on this machine)'}"
        write(f"  Operator: {login}   (superuser for the back office, {base_url}/admin/)")
        if not operator_password:
            write(f"            `manage.py changepassword {operator_email}` sets a new password")
        if api_key:
            write(f"  Try:      curl -H 'X-API-Key: {api_key}' {base_url}/api/auth/me")
