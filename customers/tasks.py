"""Background work for customers: the periodic RFM refresh (see services.rfm_scores_refresh)."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True)
def rfm_scores_refresh_task(account_ids: list[str] | None = None) -> int:
    """Recomputes the stored RFM scores of every active account (or of `account_ids`). Idempotent."""
    return services.rfm_scores_refresh_accounts(
        batch_size=settings.CUSTOMERS_RFM_REFRESH_BATCH_SIZE, account_ids=account_ids
    )
