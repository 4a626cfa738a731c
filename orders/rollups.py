"""Sales rollups: additive rows the order services keep exact inside their own transactions, so reports sum a
few thousand rows instead of a year of orders.

Six tables (orders.models, docs/analytics.md), each keyed by account and a few columns, every other
column a figure that only ever changes by adding:

- `SalesDay` (day, channel): orders, units, money, cost of goods, new customers;
- `SalesHour` (day, hour, channel): orders, units, total and refunds for the hour-of-day pattern;
- `ProductSalesDay` (day, channel, product, variant): lines, units, sales, discounts and cost per variant, and
  `ProductSalesMonth` (month, channel, product, variant): the same by month;
- `CohortMonth` (cohort, month): customers of a first-order month active in a later month, and their orders;
- `PaymentDay` (day, channel, method): succeeded payments and refunds by payment method.

Every write that moves a figure collects its changes in a `Changes` and writes them with one
`INSERT … ON CONFLICT (key) DO UPDATE SET col = col + excluded.col` per table (`bulk_create(update_conflicts=…)`
can only overwrite, not add). Rows are shared by every order of an account, day and channel, so the services
write them last, holding their locks from there to the commit only: tables in the order above, rows in key
order (the lock order: order → lines → products → stock → customer → rollups).

What counts: an order counts at the moment it was placed (`created_at`, in the account's time zone) from
placement until it is cancelled; a refunded order still counts, its refunds being their own figure, at the
moment they were made, under the order's channel, for orders that are not cancelled. A customer's first order
is their earliest order that is not cancelled, by (created_at, id) as the database orders them; it makes the
customer new on its day and channel and sets their cohort (its month), and moves when an earlier order is
imported or the first one is cancelled (the customer's row is locked, so two orders of one customer settle
this in turn). Payments count when they succeed, on the day they were recorded, whatever becomes of the order.

`rollups_rebuild` recomputes an account's rows from the orders, lines and payments with GROUP BY queries:
the check that the incremental rows are right, and the repair if they ever were not.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractHour, TruncDate, TruncMonth

from accounts.models import Account
from customers.models import Customer
from omnisales.api.db import pg_array
from omnisales.api.transactions import atomic_service

from .models import (
    ZERO,
    CohortMonth,
    Order,
    OrderItem,
    OrderPayment,
    OrderStatus,
    PaymentDay,
    PaymentKind,
    PaymentRecordStatus,
    ProductSalesDay,
    ProductSalesMonth,
    SalesDay,
    SalesHour,
)

_AMOUNT = DecimalField(max_digits=18, decimal_places=2)
_DATES = ("day", "cohort", "month")


@dataclass(frozen=True, eq=False)
class Rollup:
    """One rollup table: its key columns (after `account_id`) and its additive figures."""

    name: str
    model: type
    key: tuple[str, ...]
    counts: tuple[str, ...]
    amounts: tuple[str, ...]

    @property
    def figures(self) -> tuple[str, ...]:
        return (*self.counts, *self.amounts)

    def normalized(self, figures: Mapping[str, int | Decimal]) -> dict[str, int | Decimal]:
        return {
            **{name: int(figures[name] or 0) for name in self.counts},
            **{name: Decimal(figures[name] or 0).quantize(Decimal("0.01")) for name in self.amounts},
        }


SALES_DAY = Rollup(
    "sales_day",
    SalesDay,
    ("day", "channel"),
    ("orders", "units", "lines_without_cost", "new_customers"),
    ("gross_sales", "discounts", "tax", "shipping", "total", "refunds", "cost_of_goods"),
)
SALES_HOUR = Rollup("sales_hour", SalesHour, ("day", "hour", "channel"), ("orders", "units"), ("total", "refunds"))
PRODUCT_DAY = Rollup(
    "product_sales_day",
    ProductSalesDay,
    ("day", "channel", "product_id", "variant_id"),
    ("lines", "units", "lines_without_cost"),
    ("gross_sales", "discounts", "cost_of_goods"),
)
PRODUCT_MONTH = Rollup(
    "product_sales_month",
    ProductSalesMonth,
    ("month", "channel", "product_id", "variant_id"),
    PRODUCT_DAY.counts,
    PRODUCT_DAY.amounts,
)
COHORT_MONTH = Rollup("cohort_month", CohortMonth, ("cohort", "month"), ("customers", "orders"), ())
PAYMENT_DAY = Rollup(
    "payment_day", PaymentDay, ("day", "channel", "method"), ("payments", "refunds"), ("collected", "refunded")
)
ROLLUPS = (
    SALES_DAY,
    SALES_HOUR,
    PRODUCT_DAY,
    PRODUCT_MONTH,
    COHORT_MONTH,
    PAYMENT_DAY,
)  # also the order rows are locked in

# The sales days' figures, as the reports and tests name them.
COUNTS, AMOUNTS, FIGURES = SALES_DAY.counts, SALES_DAY.amounts, SALES_DAY.figures

Key = tuple  # a rollup's key columns, in order


def local_day(account: Account, moment: datetime.datetime) -> datetime.date:
    """The calendar day of `moment` in the account's time zone."""
    return moment.astimezone(account.zone).date()


def local_month(account: Account, moment: datetime.datetime) -> datetime.date:
    """The first day of the month of `moment` in the account's time zone."""
    return local_day(account, moment).replace(day=1)


class Changes:
    """What one write adds to the rollups, by table and key; `write` sends it, one statement per table."""

    def __init__(self):
        self.rows: dict[Rollup, dict[Key, dict[str, int | Decimal]]] = {rollup: {} for rollup in ROLLUPS}

    def add(self, rollup: Rollup, key: Key, **figures: int | Decimal) -> None:
        row = self.rows[rollup].get(key)
        if row is None:
            row = self.rows[rollup][key] = dict.fromkeys(rollup.figures, 0)
        for name, value in figures.items():
            row[name] += value

    def write(self, account_id: str) -> None:
        for rollup in ROLLUPS:
            _upsert(rollup, account_id, self.rows[rollup])


_SQL: dict[tuple[str, int], str] = {}
_ARRAY_TYPES = {"day": "date", "cohort": "date", "month": "date", "hour": "smallint"}


def _upsert_sql(rollup: Rollup, rows: int) -> str:
    """The statement for `rows` rows (PostgreSQL: one per table, the rows as arrays; SQLite: per row count)."""
    postgres = connection.vendor == "postgresql"
    cache_key = (rollup.name, 0 if postgres else rows)
    if cache_key not in _SQL:
        quote = connection.ops.quote_name
        table = quote(rollup.model._meta.db_table)
        columns = ["account_id", *rollup.key, *rollup.figures]
        changes = ", ".join(
            f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}" for name in rollup.figures
        )
        if postgres:
            types = (
                [_ARRAY_TYPES.get(name, "text") for name in rollup.key]
                + ["bigint"] * len(rollup.counts)
                + ["numeric"] * len(rollup.amounts)
            )
            source = "SELECT %s, * FROM unnest(" + ", ".join(f"%s::{kind}[]" for kind in types) + ")"  # noqa: S608
        else:
            source = "VALUES " + ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * rows)
        _SQL[cache_key] = (
            f"INSERT INTO {table} ({', '.join(quote(name) for name in columns)}) "
            f"{source} ON CONFLICT ({', '.join(quote(name) for name in ('account_id', *rollup.key))}) "
            f"DO UPDATE SET {changes}"
        )
    return _SQL[cache_key]


def _upsert(rollup: Rollup, account_id: str, rows: Mapping[Key, Mapping]) -> None:
    """Adds `rows` to the account's rows of the table, in key order (two writers touching the same rows take
    their locks in the same order). Changes that add up to nothing write nothing."""
    ordered = sorted((key, figures) for key, figures in rows.items() if any(figures.values()))
    if not ordered:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            keys = [list(column) for column in zip(*(key for key, _ in ordered), strict=True)]
            figures = [
                [Decimal(figures[name]) if name in rollup.amounts else figures[name] for _, figures in ordered]
                for name in rollup.figures
            ]
            cursor.execute(_upsert_sql(rollup, 0), [account_id, *map(pg_array, keys), *map(pg_array, figures)])
            return
        ops = connection.ops
        per_statement = max(1, 999 // (1 + len(rollup.key) + len(rollup.figures)))
        for start in range(0, len(ordered), per_statement):
            chunk, params = ordered[start : start + per_statement], []
            for key, figures in chunk:
                params.append(account_id)
                params += [
                    ops.adapt_datefield_value(value) if name in _DATES else value
                    for name, value in zip(rollup.key, key, strict=True)
                ]
                params += [figures[name] for name in rollup.counts]
                params += [ops.adapt_decimalfield_value(Decimal(figures[name]), 18, 2) for name in rollup.amounts]
            cursor.execute(_upsert_sql(rollup, len(chunk)), params)


def _add_order(changes: Changes, account: Account, order: Order, items: Iterable[OrderItem], sign: int) -> None:
    """What `order` (with its lines) adds (sign 1) or takes back (-1) at the moment it was placed."""
    moment = order.created_at.astimezone(account.zone)
    day, channel = moment.date(), order.channel
    month = day.replace(day=1)
    units, cost, without_cost = 0, ZERO, 0
    for item in items:
        units += item.quantity
        line_cost = ZERO if item.unit_cost is None else item.unit_cost * item.quantity
        cost += line_cost
        without_cost += item.unit_cost is None
        line = {
            "lines": sign,
            "units": sign * item.quantity,
            "gross_sales": sign * item.line_total,
            "discounts": sign * item.discount_amount,
            "cost_of_goods": sign * line_cost,
            "lines_without_cost": sign * (item.unit_cost is None),
        }
        changes.add(PRODUCT_DAY, (day, channel, item.product_id, item.variant_id), **line)
        changes.add(PRODUCT_MONTH, (month, channel, item.product_id, item.variant_id), **line)
    changes.add(
        SALES_DAY,
        (day, channel),
        orders=sign,
        units=sign * units,
        gross_sales=sign * order.subtotal,
        discounts=sign * order.discount_amount,
        tax=sign * order.tax,
        shipping=sign * order.shipping_amount,
        total=sign * order.total,
        cost_of_goods=sign * cost,
        lines_without_cost=sign * without_cost,
    )
    changes.add(SALES_HOUR, (day, moment.hour, channel), orders=sign, units=sign * units, total=sign * order.total)


def _add_refund(changes: Changes, account: Account, order: Order, refunded_at: datetime.datetime, amount) -> None:
    """A refund of `amount` (negative: one taken back) of an order that counts, at the moment it was made."""
    moment = refunded_at.astimezone(account.zone)
    changes.add(SALES_DAY, (moment.date(), order.channel), refunds=amount)
    changes.add(SALES_HOUR, (moment.date(), moment.hour, order.channel), refunds=amount)


def _add_payment(changes: Changes, account: Account, order: Order, payment: OrderPayment) -> None:
    """A succeeded payment or refund, by method, on the day it was recorded."""
    key = (local_day(account, payment.created_at), order.channel, payment.method)
    if payment.kind == PaymentKind.REFUND:
        changes.add(PAYMENT_DAY, key, refunds=1, refunded=payment.amount)
    else:
        changes.add(PAYMENT_DAY, key, payments=1, collected=payment.amount)


def _cohort_rows(months: Mapping[datetime.date, int]) -> dict[Key, tuple[int, int]]:
    """What one customer adds to the cohorts, from their counting orders per month: one customer and the
    month's orders in every month they ordered, under the month of their first."""
    months = {month: count for month, count in months.items() if count}
    if not months:
        return {}
    cohort = min(months)
    return {(cohort, month): (1, count) for month, count in months.items()}


def _add_cohort_change(changes: Changes, before: Mapping[datetime.date, int], after: Mapping[datetime.date, int]):
    """A customer's counting orders went from `before` to `after` (orders per month)."""
    old, new = _cohort_rows(before), _cohort_rows(after)
    for key in old.keys() | new.keys():
        customers_was, orders_was = old.get(key, (0, 0))
        customers_now, orders_now = new.get(key, (0, 0))
        changes.add(COHORT_MONTH, key, customers=customers_now - customers_was, orders=orders_now - orders_was)


def _before(order: Order) -> Q:
    """Orders placed before `order`, ties broken by id, compared by the database (as the rebuild does)."""
    return Q(created_at__lt=order.created_at) | Q(created_at=order.created_at, id__lt=order.pk)


def _month(account: Account):
    return TruncMonth("created_at", tzinfo=account.zone)


def _shift_customer(*, changes: Changes, account: Account, order: Order, sign: int) -> None:
    """`order` joins (+1) or leaves (-1) the customer's orders that count. When it is (or was) their first, it
    takes `new_customers` from (or gives it back to) their next order; the customer's cohort rows follow their
    orders per month. Caller holds the customer's row. One statement, two when the customer has other orders."""
    others = (
        Order.objects.filter(account_id=account.pk, customer_id=order.customer_id)
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(pk=order.pk)
    )
    first = (
        others.annotate(is_before=Case(When(_before(order), then=Value(True)), default=Value(False)))
        .order_by("created_at", "id")
        .values_list("created_at", "channel", "is_before")
        .first()
    )
    if first is None or not first[2]:
        changes.add(SALES_DAY, (local_day(account, order.created_at), order.channel), new_customers=sign)
        if first is not None:
            changes.add(SALES_DAY, (local_day(account, first[0]), first[1]), new_customers=-sign)
    months: Counter = Counter()
    if first is not None:
        for month, count in (
            others.annotate(month=_month(account)).values("month").annotate(n=Count("id")).values_list("month", "n")
        ):
            months[month.date()] += count
    with_order = months + Counter({local_month(account, order.created_at): 1})
    _add_cohort_change(changes, *((months, with_order) if sign > 0 else (with_order, months)))


def rollups_record_order(*, account: Account, order: Order, items: Iterable[OrderItem]) -> None:
    """A new order (order_create), as the last statements of its transaction: after the customer's row,
    which `customer_record_order` locked."""
    changes = Changes()
    _add_order(changes, account, order, items, 1)
    _shift_customer(changes=changes, account=account, order=order, sign=1)
    changes.write(account.pk)


def rollups_cancel_order(*, order: Order) -> None:
    """`order` was just cancelled: everything it added leaves its placement day, and its refunds leave the
    days they were made (a cancelled order's refunds do not count; its sale no longer does). Payments stay:
    the money moved. Caller holds the order's row lock and has set its status; the customer's row is locked
    here (lock order)."""
    account = order.account
    list(Customer.objects.select_for_update().filter(pk=order.customer_id).values_list("pk", flat=True))
    changes = Changes()
    _add_order(changes, account, order, order.items.all(), -1)
    refunds = OrderPayment.objects.filter(
        order=order, kind=PaymentKind.REFUND, status=PaymentRecordStatus.SUCCEEDED
    ).values_list("created_at", "amount")
    for refunded_at, amount in refunds:
        _add_refund(changes, account, order, refunded_at, -amount)
    _shift_customer(changes=changes, account=account, order=order, sign=-1)
    changes.write(account.pk)


def rollups_record_payment(*, order: Order, payment: OrderPayment) -> None:
    """A payment of `order` that just succeeded (recorded so, or settled later), on the day it was recorded."""
    changes = Changes()
    _add_payment(changes, order.account, order, payment)
    changes.write(order.account_id)


def rollups_record_refund(*, order: Order, refund: OrderPayment) -> None:
    """A refund of `order`: money paid out by its method, and, unless the order is cancelled (its sale no
    longer counts), a refund at the moment it was made under the order's channel."""
    changes = Changes()
    if order.status != OrderStatus.CANCELLED:
        _add_refund(changes, order.account, order, refund.created_at, refund.amount)
    _add_payment(changes, order.account, order, refund)
    changes.write(order.account_id)


def rollups_record_repricing(
    *, order: Order, discounts: Decimal, tax: Decimal, total: Decimal, lines: Iterable[tuple[OrderItem, Decimal]]
) -> None:
    """An order priced again after placing (a discount added): the changes of its discount, tax and total at
    its placement, and of each line's discount (`lines`: the line and its added discount)."""
    account = order.account
    moment = order.created_at.astimezone(account.zone)
    changes = Changes()
    changes.add(SALES_DAY, (moment.date(), order.channel), discounts=discounts, tax=tax, total=total)
    changes.add(SALES_HOUR, (moment.date(), moment.hour, order.channel), total=total)
    for item, added in lines:
        changes.add(PRODUCT_DAY, (moment.date(), order.channel, item.product_id, item.variant_id), discounts=added)
        month = moment.date().replace(day=1)
        changes.add(PRODUCT_MONTH, (month, order.channel, item.product_id, item.variant_id), discounts=added)
    changes.write(account.pk)


@dataclass
class _Customer:
    """One customer's counting orders as a batch finds them: their first order without the batch's orders and
    with them, (created_at, channel, id), and their orders per month without and with them."""

    first_before: tuple | None = None
    first_after: tuple | None = None
    months_before: Counter = field(default_factory=Counter)
    months_after: Counter = field(default_factory=Counter)


def _batch_customers(*, account: Account, customer_ids: list[str], batch: set[str]) -> dict[str, _Customer]:
    """The batch's customers' counting orders, read once in the database's order of (created_at, id) (the
    order the rebuild compares by): each one's first orders and orders per month, without the orders of
    `batch` and with them."""
    rows = (
        Order.objects.filter(account=account, customer_id__in=customer_ids)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("customer_id", "created_at", "id")
        .values_list("customer_id", "created_at", "channel", "id")
    )
    customers: dict[str, _Customer] = defaultdict(_Customer)
    for customer_id, created_at, channel, order_id in rows:
        customer = customers[customer_id]
        month = local_month(account, created_at)
        customer.months_after[month] += 1
        if customer.first_after is None:
            customer.first_after = (created_at, channel, order_id)
        if order_id not in batch:
            customer.months_before[month] += 1
            if customer.first_before is None:
                customer.first_before = (created_at, channel, order_id)
    return customers


def rollups_record_orders(
    *,
    orders: list[Order],
    items_by_order: Mapping[str, Iterable[OrderItem]],
    payments: Iterable[OrderPayment] = (),
) -> None:
    """A batch of orders written at once (bulk imports), with their succeeded `payments`: their figures in one
    upsert per table. Cancelled orders add nothing (their payments do). Call it after the orders are inserted
    and their customers' rows are locked (`customer_record_orders`), as the batch's last statements.
    `items_by_order`: the lines of each order, by order id."""
    if not orders:
        return
    account = orders[0].account
    changes = Changes()
    counted = [order for order in orders if order.status != OrderStatus.CANCELLED]
    for order in counted:
        _add_order(changes, account, order, items_by_order.get(order.pk, ()), 1)
    by_id = {order.pk: order for order in orders}
    for payment in payments:
        if payment.status == PaymentRecordStatus.SUCCEEDED:
            _add_payment(changes, account, by_id[payment.order_id], payment)
    customer_ids = sorted({order.customer_id for order in counted})
    if customer_ids:
        batch = {order.pk for order in orders}
        for customer in _batch_customers(account=account, customer_ids=customer_ids, batch=batch).values():
            before, after = customer.first_before, customer.first_after
            if after is not None and (before is None or before[2] != after[2]):
                changes.add(SALES_DAY, (local_day(account, after[0]), after[1]), new_customers=1)
                if before is not None:
                    changes.add(SALES_DAY, (local_day(account, before[0]), before[1]), new_customers=-1)
            _add_cohort_change(changes, customer.months_before, customer.months_after)
    changes.write(account.pk)


@dataclass(frozen=True)
class Rebuild:
    """What `rollups_rebuild` found: the rows it wrote (all tables), and the rows whose stored figures
    differed: (table, key, {figure: (stored, expected)})."""

    rows: int
    differences: list[tuple[str, Key, dict[str, tuple]]]


def _grouped(queryset, key: Iterable[str], **figures) -> dict[Key, dict]:
    key = tuple(key)
    return {tuple(row.pop(name) for name in key): row for row in queryset.values(*key).annotate(**figures).order_by()}


def _sum_into(result: dict[Key, dict], rollup: Rollup, source: Mapping[Key, Mapping]) -> None:
    for key, figures in source.items():
        row = result.setdefault(key, dict.fromkeys(rollup.figures, 0))
        for name, value in figures.items():
            row[name] += value or 0


def _refunds(counting, zone):
    return OrderPayment.objects.filter(
        order__in=counting, kind=PaymentKind.REFUND, status=PaymentRecordStatus.SUCCEEDED
    ).annotate(day=TruncDate("created_at", tzinfo=zone), channel=F("order__channel"))


def _compute_sales_days(account: Account, counting) -> dict[Key, dict]:
    zone = account.zone
    day = TruncDate("created_at", tzinfo=zone)
    result: dict[Key, dict] = {}
    key = SALES_DAY.key
    _sum_into(
        result,
        SALES_DAY,
        _grouped(
            counting.annotate(day=day),
            key,
            orders=Count("id"),
            gross_sales=Sum("subtotal"),
            discounts=Sum("discount_amount"),
            tax=Sum("tax"),
            shipping=Sum("shipping_amount"),
            total=Sum("total"),
        ),
    )
    _sum_into(
        result,
        SALES_DAY,
        _grouped(
            OrderItem.objects.filter(order__in=counting).annotate(
                day=TruncDate("order__created_at", tzinfo=zone), channel=F("order__channel")
            ),
            key,
            units=Sum("quantity"),
            cost_of_goods=Sum(Coalesce(F("unit_cost"), Value(ZERO)) * F("quantity"), output_field=_AMOUNT),
            lines_without_cost=Count("id", filter=Q(unit_cost__isnull=True)),
        ),
    )
    _sum_into(result, SALES_DAY, _grouped(_refunds(counting, zone), key, refunds=Sum("amount")))
    first_orders = counting.annotate(day=day).filter(
        ~Exists(
            Order.objects.filter(customer_id=OuterRef("customer_id"))
            .exclude(status=OrderStatus.CANCELLED)
            .filter(
                Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
            )
        )
    )
    _sum_into(result, SALES_DAY, _grouped(first_orders, key, new_customers=Count("id")))
    return result


def _compute_sales_hours(account: Account, counting) -> dict[Key, dict]:
    zone = account.zone
    result: dict[Key, dict] = {}
    key = SALES_HOUR.key
    placed = {"day": TruncDate("created_at", tzinfo=zone), "hour": ExtractHour("created_at", tzinfo=zone)}
    _sum_into(result, SALES_HOUR, _grouped(counting.annotate(**placed), key, orders=Count("id"), total=Sum("total")))
    _sum_into(
        result,
        SALES_HOUR,
        _grouped(
            OrderItem.objects.filter(order__in=counting).annotate(
                day=TruncDate("order__created_at", tzinfo=zone),
                hour=ExtractHour("order__created_at", tzinfo=zone),
                channel=F("order__channel"),
            ),
            key,
            units=Sum("quantity"),
        ),
    )
    refunds = _refunds(counting, zone).annotate(hour=ExtractHour("created_at", tzinfo=zone))
    _sum_into(result, SALES_HOUR, _grouped(refunds, key, refunds=Sum("amount")))
    return result


def _compute_product_days(account: Account, counting) -> dict[Key, dict]:
    lines = OrderItem.objects.filter(order__in=counting).annotate(
        day=TruncDate("order__created_at", tzinfo=account.zone), channel=F("order__channel")
    )
    return _grouped(
        lines,
        PRODUCT_DAY.key,
        lines=Count("id"),
        units=Sum("quantity"),
        gross_sales=Sum("line_total"),
        discounts=Sum("discount_amount"),
        cost_of_goods=Sum(Coalesce(F("unit_cost"), Value(ZERO)) * F("quantity"), output_field=_AMOUNT),
        lines_without_cost=Count("id", filter=Q(unit_cost__isnull=True)),
    )


def _compute_cohorts(account: Account, counting) -> dict[Key, dict]:
    months: dict[str, dict[datetime.date, int]] = defaultdict(dict)
    rows = counting.annotate(month=_month(account)).values("customer_id", "month").annotate(n=Count("id")).order_by()
    for customer_id, month, count in rows.values_list("customer_id", "month", "n").iterator(chunk_size=10_000):
        months[customer_id][month.date()] = months[customer_id].get(month.date(), 0) + count
    result: dict[Key, dict] = {}
    for per_month in months.values():
        for key, (customers, orders) in _cohort_rows(per_month).items():
            row = result.setdefault(key, {"customers": 0, "orders": 0})
            row["customers"] += customers
            row["orders"] += orders
    return result


def _compute_payment_days(account: Account) -> dict[Key, dict]:
    payments = OrderPayment.objects.filter(account=account, status=PaymentRecordStatus.SUCCEEDED).annotate(
        day=TruncDate("created_at", tzinfo=account.zone), channel=F("order__channel")
    )
    paid, refunded = Q(kind=PaymentKind.PAYMENT), Q(kind=PaymentKind.REFUND)
    return _grouped(
        payments,
        PAYMENT_DAY.key,
        payments=Count("id", filter=paid),
        collected=Sum("amount", filter=paid),
        refunds=Count("id", filter=refunded),
        refunded=Sum("amount", filter=refunded),
    )


def rollups_compute(*, account: Account) -> dict[str, dict[Key, dict[str, int | Decimal]]]:
    """The account's rows as the orders, lines and payments say they should be, by table name (GROUP BY
    queries, days and hours computed by the database in the account's time zone). Rows whose figures are
    all zero are left out."""
    counting = Order.objects.filter(account=account).exclude(status=OrderStatus.CANCELLED)
    product_days = _compute_product_days(account, counting)
    product_months: dict[Key, dict] = {}
    for (day, *rest), figures in product_days.items():
        _sum_into(product_months, PRODUCT_MONTH, {(day.replace(day=1), *rest): figures})
    computed = {
        SALES_DAY: _compute_sales_days(account, counting),
        SALES_HOUR: _compute_sales_hours(account, counting),
        PRODUCT_DAY: product_days,
        PRODUCT_MONTH: product_months,
        COHORT_MONTH: _compute_cohorts(account, counting),
        PAYMENT_DAY: _compute_payment_days(account),
    }
    result = {}
    for rollup, rows in computed.items():
        normalized = {key: rollup.normalized(figures) for key, figures in rows.items()}
        result[rollup.name] = {key: figures for key, figures in normalized.items() if any(figures.values())}
    return result


def rollups_stored(*, account: Account) -> dict[str, dict[Key, dict[str, int | Decimal]]]:
    """The account's rows as stored, by table name; all-zero rows (days whose orders were all cancelled) left
    out."""
    result = {}
    for rollup in ROLLUPS:
        stored = {}
        for row in rollup.model.objects.filter(account=account).values(*rollup.key, *rollup.figures).order_by():
            figures = rollup.normalized(row)
            if any(figures.values()):
                stored[tuple(row[name] for name in rollup.key)] = figures
        result[rollup.name] = stored
    return result


@atomic_service
def rollups_rebuild(*, account: Account) -> Rebuild:
    """Recomputes the account's rows from the raw orders (`rollups_compute`), compares them with the stored
    ones and replaces them. Run it when the account's orders are quiet (an order placed while it runs may be
    counted twice or not at all): it is the check (`differences` empty) and the repair."""
    expected = rollups_compute(account=account)
    stored = rollups_stored(account=account)
    differences, rows = [], 0
    for rollup in ROLLUPS:
        want_rows, have_rows = expected[rollup.name], stored[rollup.name]
        empty = dict.fromkeys(rollup.figures, 0)
        for key in sorted(want_rows.keys() | have_rows.keys()):
            want, have = want_rows.get(key, empty), have_rows.get(key, empty)
            if want != have:
                changed = {name: (have[name], want[name]) for name in rollup.figures if have[name] != want[name]}
                differences.append((rollup.name, key, changed))
        rollup.model.objects.filter(account=account).delete()
        rollup.model.objects.bulk_create(
            [
                rollup.model(account=account, **dict(zip(rollup.key, key, strict=True)), **figures)
                for key, figures in want_rows.items()
            ],
            batch_size=2000,
        )
        rows += len(want_rows)
    return Rebuild(rows=rows, differences=differences)
