from django.core.management.base import BaseCommand

from omnisales.api import encryption


class Command(BaseCommand):
    help = (
        "Re-encrypts every encrypted model field with the first key of FIELD_ENCRYPTION_KEY. Run after "
        "putting a new key first; once it finishes, the old keys can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        counts = encryption.reencrypt_all(batch_size=batch_size)
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS("Done."))
