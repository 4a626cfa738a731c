"""Sends webhook deliveries that are due, as the beat sweep does; for setups running without a worker."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from webhooks import services


class Command(BaseCommand):
    help = (
        "Enqueue every pending webhook delivery that is due. Without CELERY_BROKER_URL they are sent "
        "right here; with a broker, a worker sends them."
    )

    def handle(self, *args, **options):
        count = services.deliveries_enqueue_due(grace=timedelta(0))
        self.stdout.write(f"{count} due delivery(ies) enqueued.")
