"""Loyalty programs and the points ledger: programs and their tiers, earning on delivery, reversal on refunds,
redemption as money off an order, manual adjustments and expiry.

Every change to a member's points is one `PointsTransaction` written with the member's row locked, in the
transaction that updates `points_balance`, so the ledger always sums to the balance. Rows that add points
are lots (`remaining`, `expires_at`); whatever takes points (redeem, a negative adjust, a reversal) spends
lots oldest first, and expiry takes what is left of the lots that are due, so the lots' `remaining` also
always sums to the balance.

Locking: the order row first (when there is one), then the member row, then (through `order_discount_add`)
the customer row — the orders app's order → … → customer, with the member in between. Expiry and
adjustments lock members only.

Orders reach loyalty only through their committed events: `subscribe()` registers a webhooks subscriber on
`order.updated` that enqueues `points_earn` for a delivered order and `points_reverse` for a refund (tasks
enqueued by name, so services never import tasks). Both are idempotent: earning once per order through the
ledger's unique `earn:<order id>` reference, reversing by the refunded amount each reversal row records.
"""

import datetime
import logging
from calendar import monthrange
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from customers.models import Customer
from omnisales.api.actors import SYSTEM, Actor
from omnisales.api.bulk import insert
from omnisales.api.errors import ValidationFailed, not_found
from omnisales.api.transactions import atomic_service
from orders.models import Order, OrderPayment, OrderStatus, PaymentKind
from orders.services import order_discount_add, order_discount_room
from webhooks import dispatch, subscribers

from ..exceptions import (
    BelowMinimumRedemption,
    DiscountNotCombinable,
    InsufficientPoints,
    LoyaltyProgramActive,
    LoyaltyProgramInUse,
    NoActiveLoyaltyProgram,
)
from ..models import (
    DiscountCode,
    LoyaltyMember,
    LoyaltyProgram,
    LoyaltyTier,
    PointsTransaction,
    TierBasis,
    TransactionKind,
)

__all__ = [
    "Redemption",
    "loyalty_program_create",
    "loyalty_program_delete",
    "loyalty_program_update",
    "order_event_received",
    "points_adjust",
    "points_earn",
    "points_expire",
    "points_redeem",
    "points_reverse",
    "subscribe",
]

logger = logging.getLogger(__name__)

EARN_TASK = "loyalty.tasks.points_earn_task"
REVERSE_TASK = "loyalty.tasks.points_reverse_task"
CENT = Decimal("0.01")
ONE = Decimal("1")


# --- programs and tiers ---------------------------------------------------------------------------------


def _active_program(account_id: str) -> LoyaltyProgram | None:
    return LoyaltyProgram.objects.filter(account_id=account_id, active=True).first()


def _program_save(program: LoyaltyProgram, *, create: bool) -> None:
    """Saves the program; a second active program of the account is 409 LOYALTY_PROGRAM_ACTIVE, also when
    another request activated one meanwhile (the partial unique index decides; its error becomes the 409)."""
    if program.active:
        _refuse_second_active(program)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable for the 409
            if create:
                program.save(force_insert=True)
            else:
                program.save()
    except IntegrityError:
        _refuse_second_active(program)
        raise


def _refuse_second_active(program: LoyaltyProgram) -> None:
    other = (
        LoyaltyProgram.objects.filter(account_id=program.account_id, active=True)
        .exclude(pk=program.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if other is not None:
        raise LoyaltyProgramActive(
            "The account already runs an active loyalty program: deactivate it first",
            details={"activeProgramId": other},
        )


def _tiers_replace(program: LoyaltyProgram, tiers: list[dict]) -> None:
    """The program's tiers become `tiers`. A tier keeps its id when its name is sent again; the others are
    new. All rows are written again (so thresholds can swap without tripping the unique constraint), and the
    members' tiers are worked out again by the caller."""
    kept = dict(LoyaltyTier.objects.filter(program=program).values_list("name", "pk"))
    LoyaltyTier.objects.filter(program=program).delete()
    LoyaltyTier.objects.bulk_create(
        [
            LoyaltyTier(
                **({"pk": kept[tier["name"]]} if tier["name"] in kept else {}),
                account_id=program.account_id,
                program=program,
                name=tier["name"],
                threshold=tier["threshold"],
                multiplier=tier.get("multiplier", ONE),  # a PATCH leaves defaults out
            )
            for tier in tiers
        ]
    )


def _members_retier(account_id: str) -> None:
    """Every member of the account gets the tier of the active program their lifetime figures reach (none
    without an active program): one UPDATE, after a program or its tiers changed."""
    program = _active_program(account_id)
    members = LoyaltyMember.objects.filter(account_id=account_id)
    if program is None:
        members.exclude(tier=None).update(tier=None)
        return
    basis = "lifetime_points" if program.tier_basis == TierBasis.POINTS else "lifetime_spend"
    reached = LoyaltyTier.objects.filter(program=program, threshold__lte=OuterRef(basis)).order_by("-threshold")
    members.update(tier=Subquery(reached.values("pk")[:1]))


@atomic_service
def loyalty_program_create(*, account, tiers: list[dict] | None = None, **fields) -> LoyaltyProgram:
    """A new program with its tiers. Active by default: 409 LOYALTY_PROGRAM_ACTIVE when the account already
    runs one. Members' tiers follow the new active program."""
    program = LoyaltyProgram(account=account, **fields)
    _program_save(program, create=True)
    _tiers_replace(program, tiers or [])
    if program.active:
        _members_retier(account.pk)
    return program


@atomic_service
def loyalty_program_update(*, program: LoyaltyProgram, changes: dict) -> LoyaltyProgram:
    """Changes the program; `tiers`, when given, replaces its tiers. Activating it while another is active is
    409 LOYALTY_PROGRAM_ACTIVE. Members' tiers are worked out again when the tiers, the tier basis or the
    active program changed."""
    program = LoyaltyProgram.objects.select_for_update().get(pk=program.pk)
    tiers = changes.pop("tiers", None)
    was_active, basis = program.active, program.tier_basis
    for name, value in changes.items():
        setattr(program, name, value)
    _program_save(program, create=False)
    if tiers is not None:
        _tiers_replace(program, tiers)
    if was_active != program.active or (program.active and (tiers is not None or basis != program.tier_basis)):
        _members_retier(program.account_id)
    return program


@atomic_service
def loyalty_program_delete(*, program: LoyaltyProgram) -> None:
    """Deletes an inactive program and its tiers. The active one is 409 LOYALTY_PROGRAM_IN_USE: deactivate it
    first. Members, balances and the ledger belong to the account, not to a program, and stay."""
    program = LoyaltyProgram.objects.select_for_update().get(pk=program.pk)
    if program.active:
        raise LoyaltyProgramInUse(
            "The active loyalty program cannot be deleted: deactivate it first (PATCH active false)",
            details={"id": program.pk},
        )
    program.delete()


# --- the ledger -----------------------------------------------------------------------------------------


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """`moment` that many calendar months later, on the same day or the month's last one (Jan 31 → Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def _expires_at(program: LoyaltyProgram | None, now: datetime.datetime) -> datetime.datetime | None:
    if program is None or not program.expiry_months:
        return None
    return _add_months(now, program.expiry_months)


def _member_locked(*, account_id: str, customer_id: str, create: bool) -> LoyaltyMember | None:
    """The customer's member row under its lock (with its tier), created first when `create` (a concurrent
    creation of the same member waits on the unique index, then finds the row)."""
    members = LoyaltyMember.objects.select_for_update(of=("self",)).select_related("tier")
    member = members.filter(account_id=account_id, customer_id=customer_id).first()
    if member is None and create:
        LoyaltyMember.objects.bulk_create(
            [LoyaltyMember(account_id=account_id, customer_id=customer_id)], ignore_conflicts=True
        )
        member = members.get(account_id=account_id, customer_id=customer_id)
    return member


def _write(
    member: LoyaltyMember,
    *,
    kind: str,
    points: int,
    order: Order | None = None,
    note: str = "",
    reference: str = "",
    expires_at: datetime.datetime | None = None,
    actor: Actor = SYSTEM,
) -> PointsTransaction:
    """One ledger row, and the member's balance moved by `points`; a row adding points is a lot. The caller
    holds the member's lock and saves the member."""
    member.points_balance += points
    row = PointsTransaction(
        account_id=member.account_id,
        member=member,
        kind=kind,
        points=points,
        balance_after=member.points_balance,
        order=order,
        note=note[:500],
        reference=reference,
        remaining=points if points > 0 else 0,
        expires_at=expires_at if points > 0 else None,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label[:200],
    )
    insert(PointsTransaction, [row])
    return row


def _save_member(member: LoyaltyMember, fields: list[str]) -> None:
    member.updated_at = timezone.now()
    member.save(update_fields=[*fields, "updated_at"])


def _spend_lots(member: LoyaltyMember, points: int) -> None:
    """Takes `points` from the member's lots, oldest first. The caller holds the member's lock and has
    checked the balance (which the lots' remaining sum to)."""
    lots = PointsTransaction.objects.filter(member=member, remaining__gt=0).order_by("created_at", "id")
    changed = []
    for lot in lots.only("id", "remaining"):
        if points == 0:
            break
        taken = min(lot.remaining, points)
        lot.remaining -= taken
        points -= taken
        changed.append(lot)
    PointsTransaction.objects.bulk_update(changed, ["remaining"])


def _expire_due(member: LoyaltyMember, now: datetime.datetime) -> None:
    """Expires the member's lots that are due before anything spends points, so a redemption never takes
    points that have expired but that the daily run has not reached yet. The caller holds the member's lock."""
    due = PointsTransaction.objects.filter(member=member, remaining__gt=0, expires_at__lte=now)
    points = due.aggregate(points=Sum("remaining"))["points"]
    if not points:
        return
    due.update(remaining=0, updated_at=timezone.now())
    _write(member, kind=TransactionKind.EXPIRE, points=-points, note=f"{points} points expired")
    _save_member(member, ["points_balance"])


def _tier_for(member: LoyaltyMember, program: LoyaltyProgram | None) -> LoyaltyTier | None:
    if program is None:
        return None
    reached = member.lifetime_points if program.tier_basis == TierBasis.POINTS else member.lifetime_spend
    return LoyaltyTier.objects.filter(program=program, threshold__lte=reached).order_by("-threshold").first()


def _whole(value: Decimal, rounding: str) -> int:
    return int(value.to_integral_value(rounding=rounding))


def _order_locked(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order.pk)


# --- earning and reversal -------------------------------------------------------------------------------


@atomic_service
def points_earn(*, order: Order, now: datetime.datetime | None = None) -> PointsTransaction | None:
    """Points for a delivered order, once: floor((total − refunds) × pointsPerCurrencyUnit × the member's tier
    multiplier). The customer becomes a member on their first points; lifetime points and spend grow and the
    tier follows. The lot expires `expiry_months` calendar months later. Nothing (None) without an active
    program, for an order that is not delivered, worth no whole point, or that earned already (the ledger's
    unique `earn:<order id>` reference: replays and concurrent runs earn nothing more)."""
    now = now or timezone.now()
    order = _order_locked(order)  # refunds of the order wait: the reversal sees this earn and its base
    program = _active_program(order.account_id)
    if program is None or order.status != OrderStatus.DELIVERED:
        return None
    reference = f"earn:{order.pk}"
    member = _member_locked(account_id=order.account_id, customer_id=order.customer_id, create=False)
    base = order.total - order.amount_refunded
    multiplier = member.tier.multiplier if member is not None and member.tier is not None else ONE
    points = _whole(base * program.points_per_currency_unit * multiplier, ROUND_FLOOR)
    if points <= 0 or PointsTransaction.objects.filter(account_id=order.account_id, reference=reference).exists():
        return None
    if member is None:
        member = _member_locked(account_id=order.account_id, customer_id=order.customer_id, create=True)
    row = _write(
        member,
        kind=TransactionKind.EARN,
        points=points,
        order=order,
        note=f"Order {order.pk} delivered: {base} {order.currency} × {program.points_per_currency_unit} × {multiplier}",
        reference=reference,
        expires_at=_expires_at(program, now),
    )
    member.lifetime_points += points
    member.lifetime_spend += base
    member.tier = _tier_for(member, program)
    _save_member(member, ["points_balance", "lifetime_points", "lifetime_spend", "tier"])
    return row


def _refunded_before(order: Order, moment: datetime.datetime) -> Decimal:
    """What had been refunded of the order when it earned: those refunds were left out of what it earned on."""
    refunds = OrderPayment.objects.filter(order=order, kind=PaymentKind.REFUND, created_at__lte=moment)
    return refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def _reversed_for(order: Order) -> Decimal:
    """The refunded amount the order's reversals have accounted for (the largest their references record)."""
    references = PointsTransaction.objects.filter(
        account_id=order.account_id, kind=TransactionKind.REVERSE, order=order, reference__startswith="reverse:"
    ).values_list("reference", flat=True)
    return max((Decimal(reference.rsplit(":", 1)[1]) for reference in references), default=Decimal("0.00"))


@atomic_service
def points_reverse(*, order: Order, now: datetime.datetime | None = None) -> PointsTransaction | None:
    """Takes back the points an order earned, in proportion to what was refunded of it since it earned:
    round(earned × refunded / what it earned on), less what earlier reversals of the order took (or forgave).
    Each reversal row records the refunded amount it accounts for in its reference
    (`reverse:<order id>:<refunded>`), so a replay finds nothing left to do. Lots are spent oldest first and
    never below a zero balance: what the balance cannot cover is forgiven, and the note says so. Lifetime
    points and spend go down and the tier follows. None when the order earned nothing or nothing is left."""
    now = now or timezone.now()
    order = _order_locked(order)
    earned = PointsTransaction.objects.filter(account_id=order.account_id, reference=f"earn:{order.pk}").first()
    if earned is None:
        return None
    refunded_before = _refunded_before(order, earned.created_at)
    base = order.total - refunded_before
    refunded = min(order.amount_refunded - refunded_before, base)
    accounted = _reversed_for(order)
    if base <= 0 or refunded <= accounted:
        return None
    wanted = _whole(earned.points * refunded / base, ROUND_HALF_UP) - _whole(
        earned.points * accounted / base, ROUND_HALF_UP
    )
    member = _member_locked(account_id=order.account_id, customer_id=order.customer_id, create=False)
    if wanted <= 0 or member is None:
        return None
    _expire_due(member, now)
    taken = min(wanted, member.points_balance)
    _spend_lots(member, taken)
    note = f"Order {order.pk} refunded {refunded} of {base} {order.currency}: {wanted} points reversed"
    if taken < wanted:
        note += f"; only {taken} were left, {wanted - taken} not taken back"
    row = _write(
        member,
        kind=TransactionKind.REVERSE,
        points=-taken,
        order=order,
        note=note,
        reference=f"reverse:{order.pk}:{refunded}",
    )
    member.lifetime_points = max(member.lifetime_points - wanted, 0)
    member.lifetime_spend = max(member.lifetime_spend - (refunded - accounted), Decimal("0.00"))
    member.tier = _tier_for(member, _active_program(order.account_id))
    _save_member(member, ["points_balance", "lifetime_points", "lifetime_spend", "tier"])
    return row


def order_event_received(*, account_id: str, event: str, event_id: str, data: dict) -> None:
    """The webhooks subscriber (called after the order's transaction commits): enqueues the earning of a
    delivered order and the reversal of a refund, with the order's id only."""
    order_id = data.get("orderId")
    if event != "order.updated" or not order_id:
        return
    if (data.get("changes") or {}).get("status", {}).get("to") == OrderStatus.DELIVERED:
        dispatch.enqueue(EARN_TASK, args=[order_id])
    if "amountRefunded" in (data.get("changedFields") or []):
        dispatch.enqueue(REVERSE_TASK, args=[order_id])


def subscribe() -> None:
    subscribers.subscribe(["order.updated"], order_event_received)


# --- redemption and adjustments -------------------------------------------------------------------------


@dataclass(frozen=True)
class Redemption:
    transaction: PointsTransaction
    points_balance: int
    amount: Decimal
    order: Order


def _refuse_insufficient(member: LoyaltyMember | None, points: int) -> None:
    balance = member.points_balance if member is not None else 0
    if points > balance:
        raise InsufficientPoints(
            f"The customer has {balance} points", details={"requested": points, "balance": balance}
        )


def _refuse_not_combinable(order: Order) -> None:
    if not order.discount_code:
        return
    code = DiscountCode.objects.filter(account_id=order.account_id, code__iexact=order.discount_code).first()
    if code is None or not code.combinable:
        raise DiscountNotCombinable(
            f"Points cannot be redeemed on an order with the discount code {order.discount_code}",
            details={"discountCode": order.discount_code},
        )


@atomic_service
def points_redeem(
    *,
    account,
    customer: Customer,
    order: Order,
    points: int,
    actor: Actor = SYSTEM,
    now: datetime.datetime | None = None,
) -> Redemption:
    """Turns `points` into money off one of the customer's pending or processing orders: points × pointValue,
    to the cent, taken off its lines by `order_discount_add` (the total, payment status and the customer's
    totalSpent follow), and a `redeem` row spending lots oldest first.

    Every check runs before anything is written, the order and then the member locked: 409
    NO_ACTIVE_LOYALTY_PROGRAM; 404 ORDER_NOT_FOUND for another customer's order; 422
    BELOW_MINIMUM_REDEMPTION; 422 INSUFFICIENT_POINTS; 422 DISCOUNT_NOT_COMBINABLE when the order's code
    is not combinable; 422 VALIDATION_ERROR when the amount is not a cent or more than the lines have left;
    409 ORDER_NOT_DISCOUNTABLE (order_discount_add) for other statuses or an order paid beyond its new total.
    """
    if points < 1:
        raise ValidationFailed("Validation failed", details={"points": ["Must be at least 1."]})
    now = now or timezone.now()
    program = _active_program(account.pk)
    if program is None:
        raise NoActiveLoyaltyProgram("The account has no active loyalty program", details=None)
    if order.account_id != account.pk or order.customer_id != customer.pk:
        raise not_found(Order, order.pk)
    if points < program.minimum_redemption:
        raise BelowMinimumRedemption(
            f"At least {program.minimum_redemption} points must be redeemed at once",
            details={"requested": points, "minimum": program.minimum_redemption},
        )
    order = _order_locked(order)
    member = _member_locked(account_id=account.pk, customer_id=customer.pk, create=False)
    if member is not None:
        _expire_due(member, now)
    _refuse_insufficient(member, points)
    _refuse_not_combinable(order)
    amount = (points * program.point_value).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount <= 0:
        raise ValidationFailed(
            "Validation failed", details={"points": [f"{points} points are worth less than a cent."]}
        )
    room = order_discount_room(order)
    if amount > room:
        raise ValidationFailed(
            "Validation failed",
            details={"points": [f"{points} points are worth {amount}; the order's lines have {room} left."]},
        )
    order = order_discount_add(order=order, amount=amount, note=f"{points} loyalty points redeemed", actor=actor)
    _spend_lots(member, points)
    row = _write(
        member,
        kind=TransactionKind.REDEEM,
        points=-points,
        order=order,
        note=f"{points} points redeemed for {amount} {order.currency} off order {order.pk}",
        actor=actor,
    )
    _save_member(member, ["points_balance"])
    return Redemption(transaction=row, points_balance=member.points_balance, amount=amount, order=order)


@atomic_service
def points_adjust(
    *, account, customer: Customer, points: int, note: str, actor: Actor = SYSTEM, now: datetime.datetime | None = None
) -> tuple[PointsTransaction, int]:
    """A manual change (goodwill, a correction): positive points are a lot expiring like earned ones (the
    active program's expiryMonths, never without a program) and make the customer a member; negative ones
    spend lots oldest first, never beyond the balance (422 INSUFFICIENT_POINTS, nothing written). Lifetime
    figures, and so tiers, count purchases only. Returns the row and the new balance."""
    if points == 0:
        raise ValidationFailed("Validation failed", details={"points": ["Must not be 0."]})
    if customer.account_id != account.pk:
        raise not_found(Customer, customer.pk)
    now = now or timezone.now()
    member = _member_locked(account_id=account.pk, customer_id=customer.pk, create=points > 0)
    if points < 0:
        if member is not None:
            _expire_due(member, now)
        _refuse_insufficient(member, -points)
        _spend_lots(member, -points)
    row = _write(
        member,
        kind=TransactionKind.ADJUST,
        points=points,
        note=note,
        expires_at=_expires_at(_active_program(account.pk), now),
        actor=actor,
    )
    _save_member(member, ["points_balance"])
    return row, member.points_balance


# --- expiry ---------------------------------------------------------------------------------------------


def points_expire(*, now: datetime.datetime | None = None, batch_size: int | None = None) -> int:
    """Expires what is left of every lot due by `now`, `batch_size` members per transaction: per batch one
    statement each to lock the members, sum their due lots, empty those lots, write one `expire` row per
    member and set the balances. A member whose lots another run (or a redemption) expired meanwhile is
    skipped. Returns the points expired."""
    now = now or timezone.now()
    batch_size = batch_size or settings.LOYALTY_EXPIRE_BATCH_SIZE
    total = 0
    while True:
        expired = _expire_batch(now=now, batch_size=batch_size)
        if expired is None:
            return total
        total += expired


def _due_lots(now: datetime.datetime):
    return PointsTransaction.objects.filter(remaining__gt=0, expires_at__lte=now)


@atomic_service
def _expire_batch(*, now: datetime.datetime, batch_size: int) -> int | None:
    """One batch of `points_expire`; None when no member has lots due."""
    member_ids = list(_due_lots(now).order_by("member_id").values_list("member_id", flat=True).distinct()[:batch_size])
    if not member_ids:
        return None
    members = {
        member.pk: member
        for member in LoyaltyMember.objects.select_for_update().filter(pk__in=member_ids).order_by("pk")
    }
    due = _due_lots(now).filter(member_id__in=member_ids)
    points = dict(
        due.order_by().values("member_id").annotate(points=Sum("remaining")).values_list("member_id", "points")
    )
    due.update(remaining=0, updated_at=timezone.now())
    rows = []
    for member_id, expired in sorted(points.items()):
        member = members[member_id]
        member.points_balance -= expired
        member.updated_at = timezone.now()
        rows.append(
            PointsTransaction(
                account_id=member.account_id,
                member=member,
                kind=TransactionKind.EXPIRE,
                points=-expired,
                balance_after=member.points_balance,
                note=f"{expired} points expired",
            )
        )
    PointsTransaction.objects.bulk_create(rows)
    LoyaltyMember.objects.bulk_update([members[member_id] for member_id in points], ["points_balance", "updated_at"])
    return sum(points.values())
