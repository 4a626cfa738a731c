"""Stock totals in product reads.

Stock belongs to the inventory app, which sits above the catalog (it imports products; the catalog never
imports it). So the catalog only asks: inventory registers the reader when it starts (inventory.apps), and
product reads call it once per page, for every product of the page at once.

A reader takes product ids and returns `(product_id, variant_id, on_hand, reserved)` per variant that has
stock levels, summed over the warehouses stock is allocated from (the active ones), as
`GET /api/inventory/stock` counts `productTotals`.
"""

from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

StockRow = tuple[str, str, int, int]
Reader = Callable[[Sequence[str], str], Iterable[StockRow]]

_reader: Reader | None = None


def register(reader: Reader) -> None:
    global _reader
    _reader = reader


def by_variant(product_ids: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> dict[str, StockRow]:
    """{variant id: (product id, variant id, on hand, reserved)} for the variants of `product_ids`."""
    if not product_ids:
        return {}
    if _reader is None:
        raise ImproperlyConfigured("No stock reader registered: the inventory app registers it when it starts.")
    return {row[1]: row for row in _reader(product_ids, using)}


def totals(rows: Iterable[StockRow]) -> dict[str, int]:
    """What a product or variant shows as `stock`: on hand, reserved and available, summed over `rows`."""
    on_hand = reserved = 0
    for _product_id, _variant_id, row_on_hand, row_reserved in rows:
        on_hand += row_on_hand
        reserved += row_reserved
    return {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}


def of_products(rows: dict[str, StockRow]) -> dict[str, list[StockRow]]:
    """The rows of `by_variant` grouped by product id."""
    grouped: dict[str, list[StockRow]] = {}
    for row in rows.values():
        grouped.setdefault(row[0], []).append(row)
    return grouped
