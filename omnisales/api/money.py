"""The one place money crosses between Decimal major units and integer minor units."""

from decimal import ROUND_HALF_UP, Decimal

import pycountry

# ISO 4217 currencies with no minor unit (Stripe's list of zero-decimal currencies).
ZERO_DECIMAL_CURRENCIES = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
)


def minor_unit_exponent(currency: str) -> int:
    return 0 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    exponent = minor_unit_exponent(currency)
    scaled = (Decimal(amount) * (10**exponent)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor_units(amount: int, currency: str) -> Decimal:
    exponent = minor_unit_exponent(currency)
    return (Decimal(int(amount)) / (10**exponent)).quantize(Decimal(1).scaleb(-exponent) if exponent else Decimal(1))


def is_currency(code: str) -> bool:
    """True for an ISO 4217 code in use (any case): `usd`, `JPY`; False for `AAA` or `XYZ`."""
    return len(code) == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None
