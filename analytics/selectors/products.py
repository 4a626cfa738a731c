"""The products report: what each product and variant sold in a period, read from the product rollups, never
from order lines: the whole calendar months of the period from `orders.models.ProductSalesMonth` and the days of
its partial first and last months from `ProductSalesDay` (one row per account, month or day, channel, product and
variant), so a year is about twelve months' rows and a few weeks' days.

One statement sums the period's rows per variant once and answers everything from that sum: the totals (with
the orders of the period from `SalesDay`), the top products and variants by the asked figure, and the active
products that sold least, zero-sale ones included (the catalog's products joined to the sums), each row with
the catalog's current names. At most two more statements, each for the handful of ids listed: the top
products' revenue in the comparison period (only when asked) and the slow movers' stock. What each figure
means is in docs/analytics.md."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection

from accounts.models import Account
from catalog.models import Category, Product, ProductStatus, ProductVariant
from inventory.selectors import variant_stock_totals
from orders.models import ZERO, ProductSalesDay, ProductSalesMonth, SalesDay

from .common import Period, comparison, growth, money, percent

REVENUE, UNITS, MARGIN = "revenue", "units", "margin"
SORTS = (REVENUE, UNITS, MARGIN)
DEFAULT_LIMIT, MAX_LIMIT = 10, 100

# What the top lists are ranked by, highest first (ties by id). Rounded to cents in SQL so that equal amounts
# are equal on SQLite too, whose decimal sums are floating point.
_RANK = {
    REVENUE: "ROUND(gross_sales - discounts, 2)",
    UNITS: "units",
    MARGIN: "ROUND(gross_sales - discounts - cost_of_goods, 2)",
}
_SUMS = ("lines", "units", "gross_sales", "discounts", "cost_of_goods", "lines_without_cost")
_SUMMED = ", ".join(f"SUM({column}) AS {column}" for column in _SUMS)
_TEXT, _FLAG, _COUNT = "CAST(NULL AS TEXT)", "CAST(NULL AS BOOLEAN)", "CAST(NULL AS BIGINT)"
# The three parts of a period's rows: its whole months, then the days of its partial first and last months.
_PARTS = (
    (ProductSalesMonth._meta.db_table, "month", "months"),
    (ProductSalesDay._meta.db_table, "day", "head"),
    (ProductSalesDay._meta.db_table, "day", "tail"),
)


def _month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _parts(period: Period) -> dict[str, datetime.date]:
    """The inclusive bounds of the period's whole months (as their first days) and of its days before and after
    them, as the statements' parameters; an empty part has its last bound before its first."""
    one_day = datetime.timedelta(days=1)
    first = period.start if period.start.day == 1 else _month_after(period.start)
    last = period.end.replace(day=1)
    if _month_after(period.end) - one_day != period.end:  # the last month is partial
        last = (last - one_day).replace(day=1)
    if first > last:  # no whole month: every day is read from the days
        bounds = {"months": (first, first - one_day), "head": (period.start, period.end)}
        bounds["tail"] = (period.end + one_day, period.end)
    else:
        bounds = {"months": (first, last), "head": (period.start, first - one_day)}
        bounds["tail"] = (_month_after(last), period.end)
    return {f"{part}_{end}": day for part, (low, high) in bounds.items() for end, day in (("low", low), ("high", high))}


def _rows_sql(*, columns: str, channel: str | None, condition: str = "") -> str:
    """The period's rows (bounded by `_parts`): its whole months' rows and its other days' rows, one UNION ALL."""
    where = "account_id = %(account)s" + (" AND channel = %(channel)s" if channel else "") + condition
    return "\n    UNION ALL\n    ".join(
        f"SELECT {columns} FROM {table} WHERE {where} "  # noqa: S608 - the code's own names and conditions
        f"AND {key} >= %({part}_low)s AND {key} <= %({part}_high)s"
        for table, key, part in _PARTS
    )


# Every row: kind, rank, id, product_id, name, sku, title, category_id, category_name, track_inventory, the six
# sums and the orders (totals only). NULLs are typed: PostgreSQL resolves a UNION's column types pair by pair.
_REPORT_SQL = f"""
WITH sold AS (
    SELECT variant_id, {_SUMMED} FROM (
    {{rows}}
    ) period_rows
    GROUP BY variant_id
), sold_variants AS (
    SELECT variant.product_id, variant.sku, variant.is_default, variant.title, sold.*
    FROM sold JOIN {ProductVariant._meta.db_table} variant ON variant.id = sold.variant_id
), sold_products AS (
    SELECT product_id, {_SUMMED} FROM sold_variants GROUP BY product_id
)
SELECT 'totals' AS kind, 0 AS rank, {_TEXT}, {_TEXT}, {_TEXT}, {_TEXT}, {_TEXT}, {_TEXT}, {_TEXT}, {_FLAG},
    {_SUMMED},
    (SELECT SUM(orders) FROM {SalesDay._meta.db_table}
     WHERE account_id = %(account)s AND day >= %(start)s AND day <= %(end)s{{channel}}) AS orders
FROM sold
UNION ALL
SELECT 'product', ranked.rank, product.id, product.id, product.name, {_TEXT}, {_TEXT}, category.id, category.name,
    {_FLAG}, {", ".join(f"ranked.{column}" for column in _SUMS)}, {_COUNT}
FROM (
    SELECT sold_products.*, ROW_NUMBER() OVER (ORDER BY {{rank}} DESC, product_id) AS rank
    FROM sold_products WHERE lines > 0
) ranked
JOIN {Product._meta.db_table} product ON product.id = ranked.product_id
LEFT JOIN {Category._meta.db_table} category ON category.id = product.category_id
WHERE ranked.rank <= %(limit)s
UNION ALL
SELECT 'variant', ranked.rank, ranked.variant_id, ranked.product_id, product.name, ranked.sku,
    CASE WHEN ranked.is_default THEN {_TEXT} ELSE ranked.title END, {_TEXT}, {_TEXT}, {_FLAG},
    {", ".join(f"ranked.{column}" for column in _SUMS)}, {_COUNT}
FROM (
    SELECT sold_variants.*, ROW_NUMBER() OVER (ORDER BY {{rank}} DESC, variant_id) AS rank
    FROM sold_variants WHERE lines > 0
) ranked
JOIN {Product._meta.db_table} product ON product.id = ranked.product_id
WHERE ranked.rank <= %(limit)s
UNION ALL
SELECT 'slow', ranked.rank, ranked.id, ranked.id, ranked.name, {_TEXT}, {_TEXT}, category.id, category.name,
    ranked.track_inventory, {", ".join(f"ranked.{column}" for column in _SUMS)}, {_COUNT}
FROM (
    SELECT product.id, product.name, product.category_id, product.track_inventory,
        {", ".join(f"sold_products.{column}" for column in _SUMS)},
        ROW_NUMBER() OVER (ORDER BY COALESCE(sold_products.units, 0), product.name, product.id) AS rank
    FROM {Product._meta.db_table} product LEFT JOIN sold_products ON sold_products.product_id = product.id
    WHERE product.account_id = %(account)s AND product.status = %(active)s
) ranked
LEFT JOIN {Category._meta.db_table} category ON category.id = ranked.category_id
WHERE ranked.rank <= %(limit)s
"""  # noqa: S608 - table names, column lists and the ranking expressions are the code's own
_FIELDS = (
    "kind",
    "rank",
    "id",
    "product_id",
    "name",
    "sku",
    "title",
    "category_id",
    "category_name",
    "track_inventory",
    *_SUMS,
    "orders",
)


def _report_sql(*, sort_by: str, channel: str | None) -> str:
    return _REPORT_SQL.format(
        rows=_rows_sql(columns=f"variant_id, {', '.join(_SUMS)}", channel=channel),
        rank=_RANK[sort_by],
        channel=" AND channel = %(channel)s" if channel else "",
    )


def _amount(value) -> Decimal:
    """A sum as read by the cursor (a float on SQLite, whose decimal columns are floating point), to cents."""
    if value is None:
        return money(ZERO)
    return money(value if isinstance(value, Decimal) else Decimal(str(value)))


@dataclass(frozen=True)
class ProductsReport:
    start_date: datetime.date
    end_date: datetime.date
    currency: str
    sort_by: str
    compare_to: str | None
    totals: dict
    top_products: list[dict]
    top_variants: list[dict]
    slow_movers: list[dict]


def _figures(row: dict, total_revenue: Decimal | None = None) -> dict:
    gross_sales, discounts, cost = (_amount(row[column]) for column in ("gross_sales", "discounts", "cost_of_goods"))
    revenue = gross_sales - discounts
    margin = revenue - cost
    figures = {
        "revenue": revenue,
        "units": int(row["units"] or 0),
        "orders": int(row["lines"] or 0),
        "gross_sales": gross_sales,
        "discounts": discounts,
        "cost_of_goods": cost,
        "margin": margin,
        "margin_percent": percent(margin, revenue),
    }
    if total_revenue is not None:
        figures["share"] = percent(revenue, total_revenue)
    figures["lines_without_cost"] = int(row["lines_without_cost"] or 0)
    return figures


def _category(row: dict) -> dict | None:
    return {"id": row["category_id"], "name": row["category_name"]} if row["category_id"] else None


def _previous_revenue(
    *, account: Account, period: Period, channel: str | None, product_ids: list[str]
) -> dict[str, Decimal]:
    """Revenue per product in `period`, for `product_ids` only (found by the rows' product index)."""
    ids = {f"product_{index}": product_id for index, product_id in enumerate(product_ids)}
    condition = f" AND product_id IN ({', '.join(f'%({name})s' for name in ids)})"
    rows = _rows_sql(columns="product_id, gross_sales, discounts", channel=channel, condition=condition)
    sql = f"SELECT product_id, SUM(gross_sales), SUM(discounts) FROM ({rows}) period_rows GROUP BY product_id"  # noqa: S608 - names
    params = {"account": account.pk, **_parts(period), **ids, **({"channel": channel} if channel else {})}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {product_id: _amount(gross) - _amount(discounts) for product_id, gross, discounts in cursor.fetchall()}


def _available_stock(product_ids: list[str]) -> dict[str, int]:
    """Available stock (on hand − reserved over the active warehouses) per product, one statement."""
    available: dict[str, int] = {}
    for product_id, _variant_id, on_hand, reserved in variant_stock_totals(product_ids, DEFAULT_DB_ALIAS):
        available[product_id] = available.get(product_id, 0) + on_hand - reserved
    return available


def products_report(
    *,
    account: Account,
    period: Period,
    sort_by: str = REVENUE,
    limit: int = DEFAULT_LIMIT,
    channel: str | None = None,
    compare_to: str | None = None,
) -> ProductsReport:
    """The period's figures per product and variant (days of the account's time zone, one channel or all): the
    totals, the `limit` top products and variants by `sort_by` (highest first, ties by id), and the `limit`
    active products with the fewest units (ascending, then by name), with their available stock. With
    `compare_to`, each top product's revenue in the comparison period and its growth."""
    params = {
        "account": account.pk,
        "start": period.start,
        "end": period.end,
        **_parts(period),
        "limit": limit,
        "active": ProductStatus.ACTIVE.value,
        **({"channel": channel} if channel else {}),
    }
    rows: dict[str, list[dict]] = {"totals": [], "product": [], "variant": [], "slow": []}
    with connection.cursor() as cursor:
        cursor.execute(_report_sql(sort_by=sort_by, channel=channel), params)
        for values in cursor.fetchall():
            row = dict(zip(_FIELDS, values, strict=True))
            rows[row["kind"]].append(row)
    for kind_rows in rows.values():
        kind_rows.sort(key=lambda row: row["rank"])

    (total_row,) = rows["totals"]
    totals = _figures(total_row)
    totals["orders"] = int(total_row["orders"] or 0)
    total_revenue = totals["revenue"]

    top_products = [
        {"product_id": row["id"], "name": row["name"], "category": _category(row), **_figures(row, total_revenue)}
        for row in rows["product"]
    ]
    if compare_to and top_products:
        previous = _previous_revenue(
            account=account,
            period=comparison(period, compare_to),
            channel=channel,
            product_ids=[product["product_id"] for product in top_products],
        )
        for product in top_products:
            before = previous.get(product["product_id"], money(ZERO))
            product["comparison_revenue"] = before
            product["revenue_growth"] = growth(product["revenue"], before)

    top_variants = [
        {
            "variant_id": row["id"],
            "product_id": row["product_id"],
            "product_name": row["name"],
            "sku": row["sku"],
            "title": row["title"],
            **_figures(row, total_revenue),
        }
        for row in rows["variant"]
    ]

    stock = _available_stock([row["id"] for row in rows["slow"] if row["track_inventory"]])
    slow_movers = [
        {
            "product_id": row["id"],
            "name": row["name"],
            "category": _category(row),
            "units": int(row["units"] or 0),
            "revenue": _amount(row["gross_sales"]) - _amount(row["discounts"]),
            "available_stock": stock.get(row["id"], 0) if row["track_inventory"] else None,
        }
        for row in rows["slow"]
    ]
    return ProductsReport(
        start_date=period.start,
        end_date=period.end,
        currency=account.currency,
        sort_by=sort_by,
        compare_to=compare_to,
        totals=totals,
        top_products=top_products,
        top_variants=top_variants,
        slow_movers=slow_movers,
    )
