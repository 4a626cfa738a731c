"""Daily sales rollups (`SalesDay`): kept exact by the order services, inside their own transactions.

Every order write that moves a figure adds its change to the rows it concerns in one statement,
`INSERT … ON CONFLICT (account, day, channel) DO UPDATE SET col = col + excluded.col` (PostgreSQL and
SQLite both take it; `bulk_create(update_conflicts=…)` can only overwrite, not add). A row is shared by
every order of its account, day and channel, so the services run this statement last, holding its lock
from there to the commit only, after the customer row (the lock order: order → lines → products → stock
→ customer → sales days, the days in key order).

What counts (docs/analytics.md): an order counts on the day it was placed (`created_at` in the account's
time zone) from placement until it is cancelled; a refunded order still counts, its refunds being their own
figure, on the refund's day under the order's channel, for orders that are not cancelled. A customer's first
order is their earliest order that is not cancelled, by (created_at, id) as the database orders them;
`new_customers` counts it on its day and channel, and moves when an earlier order is imported or the first
one is cancelled (the customer's row is locked, so two orders of one customer settle this in turn).

`rollups_rebuild` recomputes an account's rows from the orders, lines and payments with GROUP BY queries:
the check that the incremental rows are right, and the repair if they ever were not.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate

from accounts.models import Account
from customers.models import Customer
from omnisales.api.transactions import atomic_service

from .models import ZERO, Order, OrderItem, OrderPayment, OrderStatus, PaymentKind, PaymentRecordStatus, SalesDay

COUNTS = ("orders", "units", "lines_without_cost", "new_customers")
AMOUNTS = ("gross_sales", "discounts", "tax", "shipping", "total", "refunds", "cost_of_goods")
FIGURES = (*COUNTS, *AMOUNTS)
_AMOUNT = DecimalField(max_digits=18, decimal_places=2)

Key = tuple[datetime.date, str]  # (day in the account's time zone, channel)
Deltas = dict[Key, dict[str, int | Decimal]]


def local_day(account: Account, moment: datetime.datetime) -> datetime.date:
    """The calendar day of `moment` in the account's time zone."""
    return moment.astimezone(account.zone).date()


def _deltas() -> Deltas:
    return defaultdict(lambda: dict.fromkeys(FIGURES, 0))


def _order_figures(order: Order, items: Iterable[OrderItem], sign: int) -> dict[str, int | Decimal]:
    items = list(items)
    costed = [item for item in items if item.unit_cost is not None]
    return {
        "orders": sign,
        "units": sign * sum(item.quantity for item in items),
        "gross_sales": sign * order.subtotal,
        "discounts": sign * order.discount_amount,
        "tax": sign * order.tax,
        "shipping": sign * order.shipping_amount,
        "total": sign * order.total,
        "cost_of_goods": sign * sum((item.unit_cost * item.quantity for item in costed), ZERO),
        "lines_without_cost": sign * (len(items) - len(costed)),
    }


def _add(deltas: Deltas, key: Key, figures: Mapping[str, int | Decimal]) -> None:
    row = deltas[key]
    for name, value in figures.items():
        row[name] += value


_SQL: dict[int, str] = {}


def _upsert_sql(rows: int) -> str:
    """The statement for `rows` rows, built once per row count."""
    if rows not in _SQL:
        quote = connection.ops.quote_name
        table = quote(SalesDay._meta.db_table)
        columns = ["account_id", "day", "channel", *FIGURES]
        values = "(" + ", ".join(["%s"] * len(columns)) + ")"
        changes = ", ".join(f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}" for name in FIGURES)
        _SQL[rows] = (
            f"INSERT INTO {table} ({', '.join(quote(name) for name in columns)}) "  # noqa: S608 - quoted names
            f"VALUES {', '.join([values] * rows)} "
            f"ON CONFLICT ({quote('account_id')}, {quote('day')}, {quote('channel')}) DO UPDATE SET {changes}"
        )
    return _SQL[rows]


def _upsert(*, account_id: str, deltas: Deltas) -> None:
    """Adds `deltas` to the account's rows in one statement, rows in key order (two writers touching the same
    rows take their locks in the same order). Changes that add up to nothing write nothing."""
    rows = sorted((key, figures) for key, figures in deltas.items() if any(figures.values()))
    if not rows:
        return
    ops, params = connection.ops, []
    for (day, channel), figures in rows:
        params += [account_id, ops.adapt_datefield_value(day), channel]
        params += [figures[name] for name in COUNTS]
        params += [ops.adapt_decimalfield_value(Decimal(figures[name]), 18, 2) for name in AMOUNTS]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(len(rows)), params)


def _before(order: Order) -> Q:
    """Orders placed before `order`, ties broken by id, compared by the database (as the rebuild does)."""
    return Q(created_at__lt=order.created_at) | Q(created_at=order.created_at, id__lt=order.pk)


def _shift_first_order(*, account: Account, order: Order, sign: int, deltas: Deltas) -> None:
    """`order` joins (+1) or leaves (-1) the customer's orders that count: when it is (or was) their first,
    it takes `new_customers` from (or gives it back to) their next order. Caller holds the customer's row."""
    other = (
        Order.objects.filter(account_id=account.pk, customer_id=order.customer_id)
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(pk=order.pk)
        .annotate(is_before=Case(When(_before(order), then=Value(True)), default=Value(False)))
        .order_by("created_at", "id")
        .values_list("created_at", "channel", "is_before")
        .first()
    )
    if other is not None and other[2]:
        return  # an earlier order is the first: nothing moves
    deltas[(local_day(account, order.created_at), order.channel)]["new_customers"] += sign
    if other is not None:
        deltas[(local_day(account, other[0]), other[1])]["new_customers"] -= sign


def rollups_record_order(*, account: Account, order: Order, items: Iterable[OrderItem]) -> None:
    """A new order (order_create), as the last statement of its transaction: after the customer's row,
    which `customer_record_order` locked."""
    deltas = _deltas()
    _add(deltas, (local_day(account, order.created_at), order.channel), _order_figures(order, items, 1))
    _shift_first_order(account=account, order=order, sign=1, deltas=deltas)
    _upsert(account_id=account.pk, deltas=deltas)


def rollups_cancel_order(*, order: Order) -> None:
    """`order` was just cancelled: everything it added leaves its placement day, and its refunds leave the
    days they were made (a cancelled order's refunds do not count; its sale no longer does). Caller holds
    the order's row lock and has set its status; the customer's row is locked here (lock order)."""
    account = order.account
    list(Customer.objects.select_for_update().filter(pk=order.customer_id).values_list("pk", flat=True))
    deltas = _deltas()
    _add(deltas, (local_day(account, order.created_at), order.channel), _order_figures(order, order.items.all(), -1))
    refunds = OrderPayment.objects.filter(
        order=order, kind=PaymentKind.REFUND, status=PaymentRecordStatus.SUCCEEDED
    ).values_list("created_at", "amount")
    for refunded_at, amount in refunds:
        deltas[(local_day(account, refunded_at), order.channel)]["refunds"] -= amount
    _shift_first_order(account=account, order=order, sign=-1, deltas=deltas)
    _upsert(account_id=account.pk, deltas=deltas)


def rollups_record_refund(*, order: Order, refund: OrderPayment) -> None:
    """A refund of `order`, counted on the refund's day under the order's channel (nothing for a cancelled
    order, whose sale no longer counts)."""
    if order.status == OrderStatus.CANCELLED:
        return
    deltas = _deltas()
    deltas[(local_day(order.account, refund.created_at), order.channel)]["refunds"] += refund.amount
    _upsert(account_id=order.account_id, deltas=deltas)


def rollups_record_repricing(*, order: Order, discounts: Decimal, tax: Decimal, total: Decimal) -> None:
    """An order priced again after placing (a discount added): the changes of its discount, tax and total,
    on its placement day."""
    deltas = _deltas()
    _add(
        deltas,
        (local_day(order.account, order.created_at), order.channel),
        {"discounts": discounts, "tax": tax, "total": total},
    )
    _upsert(account_id=order.account_id, deltas=deltas)


def _firsts(*, account: Account, customer_ids: list[str], excluding: list[str]) -> dict[str, tuple]:
    """Each customer's first order that counts, leaving out the orders `excluding`: {customer: (created_at,
    channel, id)}, in one statement."""
    rows = (
        Order.objects.filter(account=account, customer_id__in=customer_ids)
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(pk__in=excluding)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("customer_id")], order_by=[F("created_at").asc(), F("id").asc()])
        )
        .filter(rank=1)
        .values_list("customer_id", "created_at", "channel", "id")
    )
    return {customer_id: rest for customer_id, *rest in rows}


def rollups_record_orders(*, orders: list[Order], items_by_order: Mapping[str, Iterable[OrderItem]]) -> None:
    """A batch of orders written at once (bulk imports): their figures in one upsert, grouped by day and
    channel. Cancelled orders add nothing. Call it after the orders are inserted and their customers' rows
    are locked (`customer_record_orders`), as the batch's last statement. `items_by_order`: the lines of
    each order, by order id."""
    if not orders:
        return
    account = orders[0].account
    deltas = _deltas()
    counted = [order for order in orders if order.status != OrderStatus.CANCELLED]
    for order in counted:
        _add(
            deltas,
            (local_day(account, order.created_at), order.channel),
            _order_figures(order, items_by_order.get(order.pk, ()), 1),
        )
    customer_ids = sorted({order.customer_id for order in counted})
    if customer_ids:
        before = _firsts(account=account, customer_ids=customer_ids, excluding=[order.pk for order in orders])
        after = _firsts(account=account, customer_ids=customer_ids, excluding=[])
        for customer_id, (created_at, channel, order_id) in after.items():
            previous = before.get(customer_id)
            if previous is not None and previous[2] == order_id:
                continue
            deltas[(local_day(account, created_at), channel)]["new_customers"] += 1
            if previous is not None:
                deltas[(local_day(account, previous[0]), previous[1])]["new_customers"] -= 1
    _upsert(account_id=account.pk, deltas=deltas)


@dataclass(frozen=True)
class Rebuild:
    """What `rollups_rebuild` found: the rows it wrote, and the keys whose stored figures differed."""

    rows: int
    differences: list[tuple[Key, dict[str, tuple]]]


def _grouped(queryset, **figures) -> dict[Key, dict]:
    return {(row.pop("day"), row.pop("channel")): row for row in queryset.values("day", "channel").annotate(**figures)}


def rollups_compute(*, account: Account) -> dict[Key, dict[str, int | Decimal]]:
    """The account's rows as the orders, lines and payments say they should be (four GROUP BY queries, the
    day computed by the database in the account's time zone). Rows whose figures are all zero are left out."""
    zone = account.zone
    counting = Order.objects.filter(account=account).exclude(status=OrderStatus.CANCELLED)
    day = TruncDate("created_at", tzinfo=zone)
    result = _deltas()
    sources = [
        _grouped(
            counting.annotate(day=day),
            orders=Count("id"),
            gross_sales=Sum("subtotal"),
            discounts=Sum("discount_amount"),
            tax=Sum("tax"),
            shipping=Sum("shipping_amount"),
            total=Sum("total"),
        ),
        _grouped(
            OrderItem.objects.filter(order__in=counting).annotate(
                day=TruncDate("order__created_at", tzinfo=zone), channel=F("order__channel")
            ),
            units=Sum("quantity"),
            cost_of_goods=Sum(Coalesce(F("unit_cost"), Value(ZERO)) * F("quantity"), output_field=_AMOUNT),
            lines_without_cost=Count("id", filter=Q(unit_cost__isnull=True)),
        ),
        _grouped(
            OrderPayment.objects.filter(
                order__in=counting, kind=PaymentKind.REFUND, status=PaymentRecordStatus.SUCCEEDED
            ).annotate(day=TruncDate("created_at", tzinfo=zone), channel=F("order__channel")),
            refunds=Sum("amount"),
        ),
        _grouped(
            counting.annotate(day=day).filter(
                ~Exists(
                    Order.objects.filter(customer_id=OuterRef("customer_id"))
                    .exclude(status=OrderStatus.CANCELLED)
                    .filter(
                        Q(created_at__lt=OuterRef("created_at"))
                        | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
                    )
                )
            ),
            new_customers=Count("id"),
        ),
    ]
    for source in sources:
        for key, figures in source.items():
            _add(result, key, {name: value or 0 for name, value in figures.items()})
    return {key: _normalized(figures) for key, figures in result.items() if any(figures.values())}


def _normalized(figures: Mapping[str, int | Decimal]) -> dict[str, int | Decimal]:
    return {
        **{name: int(figures[name]) for name in COUNTS},
        **{name: Decimal(figures[name]).quantize(Decimal("0.01")) for name in AMOUNTS},
    }


def rollups_stored(*, account: Account) -> dict[Key, dict[str, int | Decimal]]:
    """The account's rows as stored, all-zero rows (days whose orders were all cancelled) left out."""
    rows = SalesDay.objects.filter(account=account).values("day", "channel", *FIGURES)
    stored = {(row.pop("day"), row.pop("channel")): _normalized(row) for row in rows}
    return {key: figures for key, figures in stored.items() if any(figures.values())}


@atomic_service
def rollups_rebuild(*, account: Account) -> Rebuild:
    """Recomputes the account's rows from the raw orders (`rollups_compute`), compares them with the stored
    ones and replaces them. Run it when the account's orders are quiet (an order placed while it runs may be
    counted twice or not at all): it is the check (`differences` empty) and the repair."""
    expected = rollups_compute(account=account)
    stored = rollups_stored(account=account)
    differences = []
    for key in sorted(expected.keys() | stored.keys()):
        want, have = expected.get(key), stored.get(key)
        if want != have:
            want, have = want or dict.fromkeys(FIGURES, 0), have or dict.fromkeys(FIGURES, 0)
            differences.append((key, {name: (have[name], want[name]) for name in FIGURES if have[name] != want[name]}))
    SalesDay.objects.filter(account=account).delete()
    SalesDay.objects.bulk_create(
        [
            SalesDay(account=account, day=day, channel=channel, **figures)
            for (day, channel), figures in expected.items()
        ],
        batch_size=1000,
    )
    return Rebuild(rows=len(expected), differences=differences)
