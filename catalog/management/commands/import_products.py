"""`manage.py import_products --account acc_… products.csv`: the API's CSV import, from a file, with a
progress line on stderr (rows done of the file's rows, after each batch)."""

import json

from django.core.management.base import BaseCommand, CommandError
from djangorestframework_camel_case.util import camelize

from accounts.models import Account
from catalog import csv_format, services
from omnisales.api.errors import ApplicationError


class Command(BaseCommand):
    help = "Create or update products from a CSV file (upsert by SKU), the same way POST /api/products/import does."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a UTF-8 CSV file (see docs/catalog.md for the columns).")
        parser.add_argument("--account", required=True, help="Account id (acc_…).")
        parser.add_argument("--all-or-nothing", action="store_true", help="Write nothing if any row is invalid.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")

    def handle(self, *args, **options):
        account = Account.objects.filter(pk=options["account"]).first()
        if account is None:
            raise CommandError(f"No account with id {options['account']!r}.")
        try:
            with open(options["file"], "rb") as file:
                total = csv_format.count_rows(file)
                file.seek(0)
                report = services.product_import(
                    account=account,
                    file=file,
                    all_or_nothing=options["all_or_nothing"],
                    dry_run=options["dry_run"],
                    on_progress=lambda rows: self._progress(rows, total),
                )
            self.stderr.write("")
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from exc
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}\n{self._json(exc.details)}") from exc
        self.stdout.write(self._json(report.as_dict()))
        summary = (
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, failed {report.failed}"
        )
        if report.failed:
            raise CommandError(f"Some rows failed: {summary}.")
        self.stdout.write(self.style.SUCCESS(f"Imported: {summary}."))

    def _progress(self, rows: int, total: int) -> None:
        percent = rows * 100 // max(total, 1)
        bar = "#" * (percent // 5)
        self.stderr.write(f"\r[{bar:<20}] {percent:3d}% {rows}/{total} rows", ending="")
        self.stderr.flush()

    @staticmethod
    def _json(value) -> str:
        return json.dumps(camelize(value), indent=2, ensure_ascii=False)
