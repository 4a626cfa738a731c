"""Loads demo data: the demo merchant first, then each app's `demo.seed()` in layer order.

Safe to run again: every app's seed looks before it writes.
"""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import demo


class Command(BaseCommand):
    help = "Create (or top up) the demo merchant account and its data, then print the login and an API key."

    def handle(self, *args, **options):
        account, user = demo.demo_account()
        api_key = demo.seed(account, user=user, log=self.stdout.write)["api_key"]
        for app in settings.LOCAL_APPS:
            if app in ("accounts", "omnisales.api"):
                continue
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(account, user=user, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Store:    {account.name} ({account.id})")
        self.stdout.write(f"  Login:    {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}")
        self.stdout.write(f"  API key:  {api_key}")
        self.stdout.write("  Try:      curl -H 'X-API-Key: <key>' http://localhost:3000/api/auth/me")
