"""Order reads that own their joins and aggregates."""

import datetime
import functools

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.query import ValuesIterable

from customers.models import Customer
from omnisales.api.compiled import CompiledRead

from .models import Order, OrderEvent, OrderItem, OrderPayment

# What an order shows of its lines and its customer: reading only these keeps list pages cheap.
ITEM_COLUMNS = (
    "id",
    "order_id",
    "product_id",
    "variant_id",
    "position",
    "product_name",
    "sku",
    "variant_title",
    "quantity",
    "unit_price",
    "line_total",
    "discount_amount",
)
CUSTOMER_COLUMNS_UNUSED = tuple(
    f"customer__{field.name}" for field in Customer._meta.concrete_fields if field.name not in ("id", "name")
)
# What order rows (lists and details) leave out: the columns OrderSerializer does not show.
ORDER_COLUMNS_UNSHOWN = (
    "account",
    "tax_shipping",
    "counted_in_stats",
    "shipping_method",
    "carrier",
    "tracking_number",
    "tracking_url",
    "shipped_at",
    "delivered_at",
    "cancelled_at",
)
ORDER_ROW_COLUMNS = tuple(
    field.attname for field in Order._meta.concrete_fields if field.name not in ORDER_COLUMNS_UNSHOWN
)


def _lines_of(order_ids):
    return OrderItem.objects.filter(order_id__in=order_ids).order_by("position", "id").values(*ITEM_COLUMNS)


ORDER_LINES = CompiledRead(_lines_of)  # the lines of a page of orders: compiled once per page size


class OrderRowIterable(ValuesIterable):
    """Orders as dicts shaped like the instances OrderSerializer reads (`customer.name`, `items`), with the
    lines of every order read in one more query: no model instances, managers or querysets per row."""

    def __iter__(self):
        yield from self.complete(list(super().__iter__()), self.queryset.db)

    @staticmethod
    def complete(rows: list[dict], using: str) -> list[dict]:
        lines = {row["id"]: [] for row in rows}
        if lines:
            for line in ORDER_LINES.rows(order_ids=list(lines), using=using):
                shown = bool(line["variant_title"])  # as OrderItem.shown_variant_* give them
                line["shown_variant_id"] = line["variant_id"] if shown else None
                line["shown_variant_sku"] = line["sku"] if shown else None
                line["shown_variant_title"] = line["variant_title"] if shown else None
                lines[line["order_id"]].append(line)
        for row in rows:
            row["customer"] = {"name": row.pop("customer_name")}
            row["items"] = lines[row["id"]]
        return rows


def orders_with_items(queryset: QuerySet[Order] | None = None, *, as_rows: bool = False) -> QuerySet[Order]:
    """Orders with their customer's name joined and their items in one more query, whatever the page size.

    as_rows: each order as a dict of what OrderSerializer shows instead of an instance, for reads that only
    render (lists and details): a fraction of the work of building instances and prefetching lines.
    """
    queryset = Order.objects.all() if queryset is None else queryset
    if as_rows:
        # The name by a subquery rather than a join, so the page's count stays a count of orders alone.
        customer_name = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).order_by().values("name"))
        rows = queryset.values(*ORDER_ROW_COLUMNS, customer_name=customer_name)
        rows._iterable_class = OrderRowIterable  # values() rows, completed as above
        return rows
    return (
        queryset.select_related("customer")
        .defer(*CUSTOMER_COLUMNS_UNUSED)
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.only(*ITEM_COLUMNS).order_by("position", "id")))
    )


@functools.cache
def _order_rows() -> QuerySet:
    return orders_with_items(Order.objects.all(), as_rows=True)


def order_rows() -> QuerySet:
    """`orders_with_items(as_rows=True)` of every order, prepared once per process: filter it (the account
    first) instead of building the rows' columns for each request."""
    return _order_rows().all()


def order_items_loaded(order: Order, items: list[OrderItem]) -> None:
    """Makes `order.items.all()` the given lines (just written, in position order) without a query, as
    if prefetched; anything narrower (`.filter()`, `.get()`) still queries."""
    loaded = order.items.all()
    loaded._result_cache, loaded._prefetch_done = list(items), True
    order._prefetched_objects_cache = {**getattr(order, "_prefetched_objects_cache", {}), "items": loaded}


def orders_of(*, account) -> QuerySet[Order]:
    return orders_with_items(Order.objects.filter(account=account))


def order_items(*, order: Order) -> QuerySet[OrderItem]:
    return OrderItem.objects.filter(order=order).order_by("position", "id")


def order_payments(*, order: Order) -> QuerySet[OrderPayment]:
    return OrderPayment.objects.filter(order=order).order_by("created_at", "id")


def order_events(*, order: Order) -> QuerySet[OrderEvent]:
    return OrderEvent.objects.filter(order=order).order_by("created_at", "id")


def counting_order_dates(
    *, customer_id: str, excluding_order_id: str
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(earliest, latest) placed-at of the customer's other orders that still count in its stats."""
    dates = (
        Order.objects.filter(customer_id=customer_id, counted_in_stats=True)
        .exclude(pk=excluding_order_id)
        .aggregate(first=Min("created_at"), last=Max("created_at"))
    )
    return dates["first"], dates["last"]


def customer_stats_from_orders(*, account) -> QuerySet:
    """Per customer with counting orders: total_orders, total_spent (totals less refunds), first and last
    order dates — what `customers` keeps as its stats, computed in one aggregate query."""
    spent = ExpressionWrapper(
        F("total") - F("amount_refunded"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    return (
        Order.objects.filter(account=account, counted_in_stats=True)
        .values("customer_id")
        .annotate(
            total_orders=Count("id"),
            total_spent=Sum(spent),
            first_order_at=Min("created_at"),
            last_order_at=Max("created_at"),
        )
        .order_by("customer_id")
    )
