"""Demo data: a Shopee connection waiting for its authorization (the demo has no shop to reach, so it has no
tokens and is left off the periodic sync). POST /api/marketplace/connections/{id}/authorize gives the link
a merchant would open."""

from .models import MarketplaceConnection, Platform
from .services import connection_create


def seed(account, *, user, log) -> None:
    if MarketplaceConnection.objects.filter(account=account).exists():
        log("Marketplace: a connection is already there.")
        return
    connection = connection_create(
        account=account,
        platform=Platform.SHOPEE,
        api_key="2001887",
        api_secret="demo-partner-key-not-a-real-one",
        name="Demo Shopee shop",
        auto_sync=False,
    )
    log(f"Marketplace: {connection.pk} (Shopee, waiting for authorization).")
