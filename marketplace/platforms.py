"""The platforms a merchant can connect, what each needs, and the client that talks to it.

Each platform's API host is a setting (`SHOPEE_API_BASE`, `LAZADA_API_BASE` and `LAZADA_AUTH_BASE`,
`FACEBOOK_GRAPH_API_BASE` and `FACEBOOK_LOGIN_BASE`), production hosts by default.
"""

from dataclasses import dataclass

from django.conf import settings

from .models import Platform
from .providers.base import Credentials, MarketplaceClient, TokenStore


@dataclass(frozen=True)
class PlatformInfo:
    code: str
    name: str
    base_setting: str
    credentials: dict[str, str]  # body field -> what it is on this platform
    shop_id_required: bool
    supports_stock_push: bool

    @property
    def id(self) -> str:
        return f"platform_{self.code}"

    @property
    def icon_url(self) -> str:
        return f"https://cdn.omnisales.com/{self.code}.png"

    @property
    def api_base_url(self) -> str:
        return getattr(settings, self.base_setting) or self.default_base_url

    @property
    def default_base_url(self) -> str:
        from .providers.lazada import API_GATEWAYS

        return API_GATEWAYS["sg"] if self.code == Platform.LAZADA else ""


PLATFORMS = {
    Platform.SHOPEE: PlatformInfo(
        code=Platform.SHOPEE,
        name="Shopee",
        base_setting="SHOPEE_API_BASE",
        credentials={"apiKey": "Partner ID", "apiSecret": "Partner key", "shopId": "Shop ID"},
        shop_id_required=False,  # the authorization callback names the shop
        supports_stock_push=True,
    ),
    Platform.LAZADA: PlatformInfo(
        code=Platform.LAZADA,
        name="Lazada",
        base_setting="LAZADA_API_BASE",
        credentials={"apiKey": "App key", "apiSecret": "App secret", "shopId": "Seller ID (optional)"},
        shop_id_required=False,
        supports_stock_push=True,
    ),
    Platform.FACEBOOK: PlatformInfo(
        code=Platform.FACEBOOK,
        name="Facebook",
        base_setting="FACEBOOK_GRAPH_API_BASE",
        credentials={"apiKey": "App ID", "apiSecret": "App secret", "shopId": "Commerce account ID"},
        shop_id_required=True,
        supports_stock_push=False,
    ),
}
BY_ID = {info.id: info for info in PLATFORMS.values()}


def client_for(
    platform: str,
    *,
    api_key: str,
    api_secret: str,
    shop_id: str = "",
    tokens: TokenStore | None = None,
    country: str = "",
    **options,
) -> MarketplaceClient:
    """The platform's client with its hosts from the settings (Lazada's gateway: the shop's `country`'s unless
    LAZADA_API_BASE says otherwise); `options` go to the client (page sizes, a clock)."""
    from .providers.facebook import FacebookClient
    from .providers.lazada import API_GATEWAYS, LazadaClient
    from .providers.shopee import ShopeeClient

    credentials = Credentials(api_key=api_key, api_secret=api_secret, shop_id=shop_id)
    options.setdefault("timeout", settings.MARKETPLACE_TIMEOUT_SECONDS)
    options.setdefault("max_retries", settings.MARKETPLACE_MAX_RETRIES)
    options.setdefault("backoff", settings.MARKETPLACE_RETRY_BACKOFF_SECONDS)
    if platform == Platform.SHOPEE:
        return ShopeeClient(credentials=credentials, tokens=tokens, base_url=settings.SHOPEE_API_BASE, **options)
    if platform == Platform.LAZADA:
        return LazadaClient(
            credentials=credentials,
            tokens=tokens,
            base_url=settings.LAZADA_API_BASE or API_GATEWAYS.get(country.lower(), API_GATEWAYS["sg"]),
            auth_base_url=settings.LAZADA_AUTH_BASE,
            **options,
        )
    if platform == Platform.FACEBOOK:
        return FacebookClient(
            credentials=credentials,
            tokens=tokens,
            base_url=settings.FACEBOOK_GRAPH_API_BASE,
            auth_base_url=settings.FACEBOOK_LOGIN_BASE,
            version=settings.FACEBOOK_GRAPH_API_VERSION,
            **options,
        )
    raise ValueError(f"Unknown platform {platform!r}")
