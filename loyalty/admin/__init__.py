"""The back office for discount codes and loyalty programs, one module per area."""

from . import discounts, programs  # noqa: F401  (each registers its models)
