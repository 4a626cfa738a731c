"""Writes for customers: profile changes, anonymization, order statistics and segments.

The order statistics (`total_orders`, `total_spent`, `first_order_date`, `last_order_date`) are
maintained by the orders app through `customer_record_order`, `customer_reverse_order`,
`customer_record_refund` and `customer_stats_set`, inside the order's own transaction. Each is a
single conditional UPDATE with F() expressions, so concurrent orders of one customer never lose
an increment and no lock has to be taken first.
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import Account
from omnisales.api.bulk import copy_insert, new
from omnisales.api.compiled import CompiledUpdate, Param
from omnisales.api.db import pg_array
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit, event_emit_many

from . import rfm
from .exceptions import (
    CustomerAnonymized,
    CustomerStatsConflict,
    DuplicateEmail,
    DuplicateSegmentName,
    ValidationFailed,
)
from .models import ORDER_STATS_FIELDS, PROFILE_FIELDS, Customer, CustomerSegment
from .normalize import normalize_contact
from .rules import InvalidRules, parse_rules

ANONYMIZED_NAME = "Deleted customer"
CENT = Decimal("0.01")


# --- Profile ---------------------------------------------------------------------------------------


def customer_event_data(customer: Customer) -> dict:
    """The customer as webhook consumers see it (keys are camelCased by the outbox)."""
    data = {name: getattr(customer, name) for name in ("id", *PROFILE_FIELDS, *ORDER_STATS_FIELDS)}
    return {**data, "tags": list(customer.tags), "created_at": customer.created_at, "updated_at": customer.updated_at}


def _clean_profile(changes: dict) -> dict:
    """Normalizes email, phone and tags; unknown keys are a programming error."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Not writable customer fields: {sorted(unknown)}")
    cleaned, errors = normalize_contact(changes)
    if "address" in cleaned and cleaned["address"] is None:
        cleaned["address"] = ""
    if errors:
        raise ValidationFailed("Validation failed", details=errors)
    return cleaned


def _ensure_email_free(*, account, email: str | None, exclude_id: str | None = None) -> None:
    if email is None:
        return
    taken = Customer.objects.filter(account=account, email__iexact=email)
    if exclude_id:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise DuplicateEmail("A customer with this email already exists", details={"email": email})


def _save(customer: Customer, **kwargs) -> None:
    """Saves inside a savepoint so a unique-email race becomes DUPLICATE_EMAIL, not a broken transaction."""
    try:
        with transaction.atomic():
            customer.save(**kwargs)
    except IntegrityError as exc:
        if "email" not in str(exc).lower():
            raise
        raise DuplicateEmail("A customer with this email already exists", details={"email": customer.email}) from exc


@atomic_service
def customer_create(*, account, name: str, **profile) -> Customer:
    """Creates a customer (stats start at zero) and emits `customer.created`.

    `profile` takes the other PROFILE_FIELDS; email must be unused in the account (any case).
    """
    cleaned = _clean_profile({"name": name, **profile})
    _ensure_email_free(account=account, email=cleaned.get("email"))
    customer = Customer(account=account, **cleaned)
    _save(customer, force_insert=True)
    event_emit(account=account, event="customer.created", data=customer_event_data(customer))
    return customer


@atomic_service
def customer_update(*, customer: Customer, changes: dict) -> Customer:
    """Applies `changes` (a subset of PROFILE_FIELDS) and emits `customer.updated` if anything changed.

    The row is locked and re-read first, and only profile fields are written, so order statistics
    updated concurrently by the orders app are never overwritten.
    """
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.is_anonymized:
        raise CustomerAnonymized("This customer was deleted and cannot be changed", details={"id": locked.pk})
    cleaned = _clean_profile(changes)
    changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    if "email" in changed:
        _ensure_email_free(account=locked.account_id, email=cleaned["email"], exclude_id=locked.pk)
    for name in changed:
        setattr(locked, name, cleaned[name])
    _save(locked, update_fields=[*changed, "updated_at"])
    event_emit(account=locked.account, event="customer.updated", data=customer_event_data(locked))
    return locked


@atomic_service
def customer_anonymize(*, customer: Customer) -> Customer:
    """Deletes a customer the way order history allows: erases personal data, keeps the row and stats.

    Name becomes "Deleted customer"; email, phone and addresses are erased, tags cleared, marketing
    consent withdrawn. Emits `customer.deleted` once; anonymizing again changes nothing.
    """
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.is_anonymized:
        return locked
    locked.name = ANONYMIZED_NAME
    locked.email = None
    locked.phone = None
    locked.address = ""
    locked.shipping_address = None
    locked.tags = []
    locked.accepts_email_marketing = False
    locked.accepts_sms_marketing = False
    locked.is_anonymized = True
    locked.anonymized_at = timezone.now()
    locked.save(update_fields=[*PROFILE_FIELDS, "is_anonymized", "anonymized_at", "updated_at"])
    event_emit(
        account=locked.account,
        event="customer.deleted",
        data={"id": locked.pk, "anonymized_at": locked.anonymized_at},
    )
    return locked


# --- Order statistics (called by the orders app) ---------------------------------------------------


def _money(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise ValueError(f"amount must be a non-negative Decimal with at most two decimal places, got {amount!r}")
    return amount.quantize(CENT)


def _aware(moment: datetime.datetime, name: str) -> datetime.datetime:
    if not isinstance(moment, datetime.datetime) or timezone.is_naive(moment):
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
    return moment


def _refresh_stats(customer: Customer) -> Customer:
    customer.refresh_from_db(fields=[*ORDER_STATS_FIELDS, "updated_at"])
    return customer


@atomic_service
def customer_record_order(
    *, customer: Customer, amount: Decimal, ordered_at: datetime.datetime, refresh: bool = True
) -> Customer:
    """Counts a placed order: total_orders + 1, total_spent + amount, first/last order dates widened.

    Call it once per order, in the transaction that creates the order. `amount` is the order total
    (Decimal, two places, >= 0). Out-of-order calls (imports of old orders) are fine: the last order
    date only moves forward and the first only backward. An anonymized customer cannot order
    (CUSTOMER_ANONYMIZED). Returns `customer` with its stats re-read, or as it was with refresh=False (one
    statement less, for callers that do not read them).
    """
    updated = _RECORD_ORDER.run(
        pk=customer.pk, amount=_money(amount), ordered_at=_aware(ordered_at, "ordered_at"), now=timezone.now()
    )
    if not updated:
        raise CustomerAnonymized("This customer was deleted and cannot place orders", details={"id": customer.pk})
    return _refresh_stats(customer) if refresh else customer


def _record_order(pk: str, amount: str, ordered_at: str, now: str):
    ordered_at = Param(ordered_at, Customer._meta.get_field("last_order_date"))
    changes = {
        "total_orders": F("total_orders") + 1,
        "total_spent": F("total_spent") + Param(amount, Customer._meta.get_field("total_spent")),
        "last_order_date": Case(When(last_order_date__gte=ordered_at, then=F("last_order_date")), default=ordered_at),
        "first_order_date": Case(
            When(first_order_date__lte=ordered_at, then=F("first_order_date")), default=ordered_at
        ),
        "updated_at": Param(now, Customer._meta.get_field("updated_at")),
    }
    return Customer.objects.filter(pk=pk, is_anonymized=False), changes


_RECORD_ORDER = CompiledUpdate(_record_order)  # once per order placed: compiled once


@atomic_service
def customers_create_many(*, account, profiles: list[dict]) -> list[Customer]:
    """Creates customers in bulk (imports: marketplace buyers) and emits one `customer.created` each. Profiles
    are cleaned like `customer_create`'s; the caller gives emails that are unused in the account and unique
    among `profiles` (a clash is an IntegrityError, rolled back with the caller's batch)."""
    customers = [new(Customer, account=account, **_clean_profile(profile)) for profile in profiles]
    now = timezone.now()
    for customer in customers:
        customer.created_at = customer.updated_at = now
    copy_insert(Customer, customers)
    event_emit_many(
        account=account, events=[("customer.created", customer_event_data(customer)) for customer in customers]
    )
    return customers


@atomic_service
def customer_record_orders(*, account, orders: dict[str, tuple[int, Decimal, datetime.datetime, datetime.datetime]]):
    """`customer_record_order` for a batch of imported orders: {customer id: (orders, amount, first and last
    order dates)}. Locks the customers in primary-key order (the lock order's last step), then one UPDATE of
    them all. Anonymized customers are refused (CUSTOMER_ANONYMIZED) before anything is written."""
    ids = sorted(orders)
    orders = {
        pk: (count, _money(amount), _aware(first_at, "first_at"), _aware(last_at, "last_at"))
        for pk, (count, amount, first_at, last_at) in orders.items()
    }
    locked = list(
        Customer.objects.select_for_update()
        .filter(account=account, pk__in=ids)
        .order_by("pk")
        .values_list("pk", "is_anonymized")
    )
    anonymized = [pk for pk, is_anonymized in locked if is_anonymized]
    if anonymized or len(locked) != len(ids):
        raise CustomerAnonymized(
            "This customer was deleted and cannot place orders", details={"id": (anonymized or ids)[0]}
        )

    now = timezone.now()
    if connection.vendor == "postgresql":
        _record_orders_at_once(ids, orders, now)
        return
    for pk in ids:  # elsewhere (SQLite in development): one UPDATE per customer
        count, amount, first_at, last_at = orders[pk]
        Customer.objects.filter(pk=pk).update(
            total_orders=F("total_orders") + count,
            total_spent=F("total_spent") + amount,
            last_order_date=Case(When(last_order_date__gte=last_at, then=F("last_order_date")), default=Value(last_at)),
            first_order_date=Case(
                When(first_order_date__lte=first_at, then=F("first_order_date")), default=Value(first_at)
            ),
            updated_at=now,
        )


def _record_orders_at_once(ids: list[str], orders: dict, now: datetime.datetime) -> None:
    """One `UPDATE … FROM unnest(…)` for every customer of a batch (PostgreSQL; LEAST and GREATEST skip the
    NULL dates of a first order). The figures go as five arrays: a statement of the same size for any batch,
    where a `VALUES` row per customer made psycopg scan thousands of placeholders."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    columns = list(zip(*(orders[pk] for pk in ids), strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET total_orders = c.total_orders + v.orders, "  # noqa: S608 - quoted names
            "total_spent = c.total_spent + v.amount, "
            "first_order_date = LEAST(c.first_order_date, v.first_at), "
            "last_order_date = GREATEST(c.last_order_date, v.last_at), updated_at = %s "
            "FROM unnest(%s::text[], %s::integer[], %s::numeric[], %s::timestamptz[], %s::timestamptz[]) "
            "AS v(id, orders, amount, first_at, last_at) WHERE c.id = v.id",
            [now, pg_array(ids), *(pg_array(column) for column in columns)],
        )


@atomic_service
def customer_reverse_order(
    *,
    customer: Customer,
    amount: Decimal,
    last_order_at: datetime.datetime | None = None,
    first_order_at: datetime.datetime | None = None,
) -> Customer:
    """Takes back an order that no longer counts (cancelled, or refunded in full).

    total_orders - 1 and total_spent - amount, where `amount` is what `customer_record_order`
    added for it less any partial refunds already recorded for it (`customer_record_refund`).

    The customer cannot know its remaining orders, so the caller passes the placed-at of the latest
    (and, optionally, the earliest) order still counting as `last_order_at` / `first_order_at`;
    left out, the dates stay as they are. When no order remains, both dates become empty whatever
    is passed. Works on anonymized customers, whose history still counts.

    Raises CUSTOMER_STATS_CONFLICT (and changes nothing) when there is no order to reverse, when
    `amount` exceeds total_spent, or when the last order is reversed but `amount` is not all that is
    left, since zero orders with money spent cannot be right.
    """
    amount = _money(amount)
    changes = {
        "total_orders": F("total_orders") - 1,
        "total_spent": F("total_spent") - amount,
        "updated_at": timezone.now(),
    }
    for name, moment in (("last_order_date", last_order_at), ("first_order_date", first_order_at)):
        kept_or_given = F(name) if moment is None else Value(_aware(moment, name))
        # In an UPDATE every expression sees the old row: total_orders=1 means no order remains.
        changes[name] = Case(
            When(total_orders=1, then=Value(None)), default=kept_or_given, output_field=DateTimeField()
        )
    updated = (
        Customer.objects.filter(pk=customer.pk, total_orders__gte=1, total_spent__gte=amount)
        .filter(Q(total_orders__gt=1) | Q(total_spent=amount))
        .update(**changes)
    )
    if not updated:
        raise CustomerStatsConflict(
            "This reversal does not match the orders recorded for the customer",
            details={"id": customer.pk, "amount": str(amount)},
        )
    return _refresh_stats(customer)


@atomic_service
def customer_record_refund(*, customer: Customer, amount: Decimal) -> Customer:
    """A partial refund: total_spent - amount; the order still counts, so total_orders is unchanged."""
    amount = _money(amount)
    updated = Customer.objects.filter(pk=customer.pk, total_spent__gte=amount).update(
        total_spent=F("total_spent") - amount, updated_at=timezone.now()
    )
    if not updated:
        raise CustomerStatsConflict(
            "Cannot refund more than this customer has spent", details={"id": customer.pk, "amount": str(amount)}
        )
    return _refresh_stats(customer)


@atomic_service
def customer_stats_set(
    *,
    customer: Customer,
    total_orders: int,
    total_spent: Decimal,
    first_order_at: datetime.datetime | None,
    last_order_at: datetime.datetime | None,
) -> Customer:
    """Overwrites the stats with figures the caller recomputed from its order history (reconciliation,
    imports). With orders, both dates are required and first <= last; without, both must be empty."""
    total_spent = _money(total_spent)
    if isinstance(total_orders, bool) or not isinstance(total_orders, int) or total_orders < 0:
        raise ValueError(f"total_orders must be a non-negative int, got {total_orders!r}")
    if total_orders:
        if first_order_at is None or last_order_at is None:
            raise ValueError("first_order_at and last_order_at are required when there are orders")
        if _aware(first_order_at, "first_order_at") > _aware(last_order_at, "last_order_at"):
            raise ValueError("first_order_at is later than last_order_at")
    elif first_order_at is not None or last_order_at is not None or total_spent:
        raise ValueError("without orders, total_spent must be 0 and both dates empty")
    Customer.objects.filter(pk=customer.pk).update(
        total_orders=total_orders,
        total_spent=total_spent,
        first_order_date=first_order_at,
        last_order_date=last_order_at,
        updated_at=timezone.now(),
    )
    return _refresh_stats(customer)


# --- Segments --------------------------------------------------------------------------------------


def _clean_rules(rules) -> dict:
    try:
        return parse_rules(rules)
    except InvalidRules as exc:
        raise ValidationFailed("Validation failed", details={"rules": exc.errors}) from exc


def _save_segment(segment: CustomerSegment, **kwargs) -> None:
    try:
        with transaction.atomic():
            segment.save(**kwargs)
    except IntegrityError as exc:
        raise DuplicateSegmentName("A segment with this name already exists", details={"name": segment.name}) from exc


def _ensure_segment_name_free(*, account, name: str, exclude_id: str | None = None) -> None:
    taken = CustomerSegment.objects.filter(account=account, name__iexact=name)
    if exclude_id:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise DuplicateSegmentName("A segment with this name already exists", details={"name": name})


@atomic_service
def segment_create(*, account, name: str, rules: dict, description: str = "") -> CustomerSegment:
    """Saves a merchant segment; `rules` are validated (422) and stored in canonical form."""
    rules = _clean_rules(rules)
    name = name.strip()
    _ensure_segment_name_free(account=account, name=name)
    segment = CustomerSegment(account=account, name=name, description=description, rules=rules)
    _save_segment(segment, force_insert=True)
    return segment


@atomic_service
def segment_update(*, segment: CustomerSegment, changes: dict) -> CustomerSegment:
    """Changes any of name, description and rules."""
    unknown = set(changes) - {"name", "description", "rules"}
    if unknown:
        raise TypeError(f"Not writable segment fields: {sorted(unknown)}")
    if "rules" in changes:
        changes = {**changes, "rules": _clean_rules(changes["rules"])}
    if "name" in changes:
        changes = {**changes, "name": changes["name"].strip()}
        _ensure_segment_name_free(account=segment.account_id, name=changes["name"], exclude_id=segment.pk)
    for name, value in changes.items():
        setattr(segment, name, value)
    _save_segment(segment, update_fields=[*changes, "updated_at"])
    return segment


def segment_delete(*, segment: CustomerSegment) -> None:
    """Deletes the definition only; customers are untouched."""
    segment.delete()


# --- RFM scores ------------------------------------------------------------------------------------


def _rfm_ranked(*, account):
    """Every customer of the account with `scored` (does RFM cover them?), the three NTILE(5) scores
    and the segment; the windows are partitioned by `scored`, so quintiles are taken among the scored
    customers only, exactly as `customers.rfm` describes."""
    scored = ExpressionWrapper(
        Q(is_anonymized=False, total_orders__gt=0, last_order_date__isnull=False), output_field=BooleanField()
    )
    return (
        Customer.objects.filter(account=account)
        .annotate(scored=scored)
        .annotate(**rfm.score_windows(partition_by=[F("scored")]))
        .annotate(segment=rfm.segment_case(F("recency_score"), F("frequency_score"), F("monetary_score")))
        .values("id", "scored", "recency_score", "frequency_score", "monetary_score", "segment")
        .order_by()
    )


def rfm_scores_refresh(*, account) -> None:
    """Recomputes the stored RFM scores and segments of all of `account`'s customers in ONE statement.

    `UPDATE customers_customer SET … FROM (SELECT id, NTILE(5) OVER (…) …) AS s WHERE id = s.id`
    (PostgreSQL, and SQLite ≥ 3.33): scored customers get their scores, every other customer of the
    account (no orders, anonymized) gets nulls, and all get `rfm_computed_at`. Other accounts' rows
    are not in the subquery, so they are never touched.
    """
    ranked_sql, params = _rfm_ranked(account=account).query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(Customer._meta.db_table)
    # Stored column <- the subquery's column, kept only for scored customers.
    sources = {"r_score": "recency_score", "f_score": "frequency_score", "m_score": "monetary_score"}
    assignments = [
        f"{quote(Customer._meta.get_field(name).column)} = CASE WHEN s.scored THEN s.{source} END"
        for name, source in {**sources, "rfm_segment": "segment"}.items()
    ]
    assignments.append(f"{quote(Customer._meta.get_field('rfm_computed_at').column)} = %s")
    computed_at = Customer._meta.get_field("rfm_computed_at").get_db_prep_value(timezone.now(), connection)
    # Only quoted identifiers and the ORM's compiled SELECT are interpolated; values are parameters.
    sql = f"UPDATE {table} SET {', '.join(assignments)} FROM ({ranked_sql}) AS s WHERE {table}.{quote('id')} = s.id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [computed_at, *params])


def rfm_scores_refresh_accounts(*, batch_size: int, account_ids: list[str] | None = None) -> int:
    """Refreshes the RFM scores of every active account (or of `account_ids`), reading the accounts
    `batch_size` ids at a time; each account is one statement, committed on its own. Returns how many."""
    accounts = Account.objects.filter(is_active=True).order_by("pk")
    if account_ids is not None:
        accounts = accounts.filter(pk__in=account_ids)
    refreshed, after = 0, None
    while True:
        batch = list((accounts.filter(pk__gt=after) if after else accounts)[:batch_size])
        for account in batch:
            rfm_scores_refresh(account=account)
        refreshed += len(batch)
        if len(batch) < batch_size:
            return refreshed
        after = batch[-1].pk
