"""The account's sender name and reply-to address."""

from omnisales.api.transactions import atomic_service

from ..models import MessagingSettings


@atomic_service
def messaging_settings_update(*, account, changes: dict) -> MessagingSettings:
    own, _ = MessagingSettings.objects.select_for_update().get_or_create(account=account)
    for name, value in changes.items():
        setattr(own, name, value)
    own.save()
    return own
