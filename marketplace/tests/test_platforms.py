"""Each platform's client gets its hosts from the settings; Lazada's gateway is the shop's country's."""

import pytest

from marketplace.platforms import PLATFORMS, client_for


@pytest.mark.parametrize(
    ("country", "gateway"),
    [
        ("my", "https://api.lazada.com.my/rest"),
        ("TH", "https://api.lazada.co.th/rest"),
        ("", "https://api.lazada.sg/rest"),
    ],
)
def test_lazada_calls_the_shops_country_gateway_unless_one_is_set(settings, country, gateway):
    settings.LAZADA_API_BASE = ""
    assert client_for("lazada", api_key="k", api_secret="s", country=country).base_url == gateway
    assert PLATFORMS["lazada"].api_base_url == "https://api.lazada.sg/rest"

    settings.LAZADA_API_BASE = "http://127.0.0.1:9/rest"
    assert client_for("lazada", api_key="k", api_secret="s", country=country).base_url == "http://127.0.0.1:9/rest"


def test_every_host_is_a_setting(settings):
    settings.SHOPEE_API_BASE = "http://127.0.0.1:1"
    settings.FACEBOOK_GRAPH_API_BASE = "http://127.0.0.1:2"
    settings.FACEBOOK_LOGIN_BASE = "http://127.0.0.1:3"
    assert client_for("shopee", api_key="1", api_secret="s").base_url == "http://127.0.0.1:1"
    facebook = client_for("facebook", api_key="1", api_secret="s", shop_id="9")
    assert (facebook.base_url, facebook.auth_base_url) == ("http://127.0.0.1:2", "http://127.0.0.1:3")
    with pytest.raises(ValueError, match="Unknown platform"):
        client_for("tiktok", api_key="1", api_secret="s")
