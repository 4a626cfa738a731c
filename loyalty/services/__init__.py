"""Discounts and loyalty writes.

Modules: `discounts` (codes, bulk generation, validation, and the handler orders call to price, claim and
release a code: see `orders.discounts`); `points` (programs and tiers, members, the points ledger: earn,
redeem, adjust, expire, reverse).
"""

from .discounts import *  # noqa: F403
from .discounts import __all__ as _discounts
from .points import *  # noqa: F403
from .points import __all__ as _points

__all__ = [*_discounts, *_points]
