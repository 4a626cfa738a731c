"""Marketing consent: opt-outs recorded with their time, source and campaign, then applied to the customer."""

from customers.models import Customer
from customers.services import customer_update
from omnisales.api.transactions import atomic_service

from ..exceptions import InvalidUnsubscribeToken
from ..models import Campaign, Channel, ConsentChange
from ._common import unsubscribe_token_read

CONSENT_FIELD = {Channel.EMAIL: "accepts_email_marketing", Channel.SMS: "accepts_sms_marketing"}


def unsubscribe_target(token: str) -> dict:
    """The token's account, customer, channel and campaign; 400 INVALID_UNSUBSCRIBE_TOKEN if forged."""
    data = unsubscribe_token_read(token or "")
    if not data or data.get("ch") not in CONSENT_FIELD:
        raise InvalidUnsubscribeToken("This unsubscribe link is not valid")
    return data


@atomic_service
def unsubscribe(*, token: str, source: str) -> ConsentChange | None:
    """Opts the token's customer out of the token's channel. Repeating it changes nothing (None)."""
    data = unsubscribe_target(token)
    customer = Customer.objects.filter(pk=data["c"], account_id=data["a"]).select_related("account").first()
    if customer is None or customer.is_anonymized:
        return None
    field = CONSENT_FIELD[data["ch"]]
    if not getattr(customer, field):
        return None
    customer_update(customer=customer, changes={field: False})
    campaign_id = data.get("cmp")
    campaign = Campaign.objects.filter(pk=campaign_id, account_id=data["a"]).first() if campaign_id else None
    return ConsentChange.objects.create(
        account_id=data["a"], customer=customer, channel=data["ch"], subscribed=False, source=source, campaign=campaign
    )
