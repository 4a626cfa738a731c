"""Reads of the messaging app: campaigns with their recipient counts, aggregated in SQL."""

from django.db.models import Count, Q, QuerySet

from .models import Campaign, CampaignRecipient, RecipientStatus, SkipReason

UNFINISHED = [RecipientStatus.PENDING, RecipientStatus.SENDING]


def _counts(path: str) -> dict[str, Count]:
    """The recipient counts, over `path` (`recipients__` from a campaign, `` from the recipients)."""
    counted = f"{path}pk"

    def count(**condition):
        return Count(counted, filter=Q(**{f"{path}{key}": value for key, value in condition.items()}))

    return {
        "recipients_count": Count(counted),
        "pending_count": count(status__in=UNFINISHED),
        "sent_count": count(status=RecipientStatus.SENT),
        "failed_count": count(status=RecipientStatus.FAILED),
        "skipped_count": count(status=RecipientStatus.SKIPPED),
        "skipped_no_consent_count": count(skip_reason=SkipReason.NO_CONSENT),
        "skipped_no_address_count": count(skip_reason=SkipReason.NO_ADDRESS),
        "cancelled_count": count(status=RecipientStatus.CANCELLED),
    }


def campaigns_with_stats(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    return campaigns.annotate(**_counts("recipients__"))


def campaign_stats(campaign_id: str) -> dict:
    """The counts of one campaign's recipients, as the list and the admin show them."""
    return CampaignRecipient.objects.filter(campaign_id=campaign_id).aggregate(**_counts(""))
