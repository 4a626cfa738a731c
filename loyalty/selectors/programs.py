"""Reads of loyalty programs and members at a fixed number of statements: programs with their tiers, members
with their customer, tier and points expiring soon in one statement, and the active program's tiers (for a
member's next tier) in one more."""

import datetime

from django.db.models import IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..models import LoyaltyMember, LoyaltyProgram, LoyaltyTier, PointsTransaction, TierBasis

EXPIRING_SOON = datetime.timedelta(days=30)


def expiring_soon_before(now: datetime.datetime) -> datetime.datetime:
    """The end (UTC) of the day 30 days from `now`: what "expiring soon" counts up to, the same all day long."""
    day = (now.astimezone(datetime.UTC) + EXPIRING_SOON).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def programs_with_tiers(queryset: QuerySet[LoyaltyProgram]) -> QuerySet[LoyaltyProgram]:
    """Each program with its tiers, lowest threshold first: two statements a page."""
    return queryset.prefetch_related(Prefetch("tiers", queryset=LoyaltyTier.objects.order_by("threshold", "id")))


def members_with_figures(queryset: QuerySet[LoyaltyMember], *, before: datetime.datetime) -> QuerySet[LoyaltyMember]:
    """Members with their customer and tier, and `expiring_points`: what is left of their lots that expire
    before `before` (lots already due but not yet expired included), in one statement."""
    expiring = (
        PointsTransaction.objects.filter(member=OuterRef("pk"), remaining__gt=0, expires_at__lt=before)
        .order_by()
        .values("member")
        .annotate(points=Sum("remaining"))
        .values("points")
    )
    return queryset.select_related("customer", "tier").annotate(
        expiring_points=Coalesce(Subquery(expiring, output_field=IntegerField()), Value(0))
    )


def member_transactions(queryset: QuerySet[PointsTransaction], *, member_id: str) -> QuerySet[PointsTransaction]:
    """The member's ledger, newest first."""
    return queryset.filter(member_id=member_id).order_by("-created_at", "-id")


def active_tiers(*, account_id: str) -> tuple[str | None, list[LoyaltyTier]]:
    """The active program's tier basis and its tiers, lowest threshold first (one statement; no basis without
    tiers, since then there is no tier to reach)."""
    tiers = list(
        LoyaltyTier.objects.filter(account_id=account_id, program__active=True)
        .select_related("program")
        .order_by("threshold", "id")
    )
    return (tiers[0].program.tier_basis if tiers else None), tiers


def next_tier(member: LoyaltyMember, *, basis: str | None, tiers: list[LoyaltyTier]) -> dict | None:
    """The first tier above what the member has reached, and how much more it takes; None at the top."""
    if basis is None:
        return None
    reached = member.lifetime_points if basis == TierBasis.POINTS else member.lifetime_spend
    for tier in tiers:
        if tier.threshold > reached:
            return {"id": tier.pk, "name": tier.name, "threshold": tier.threshold, "to_go": tier.threshold - reached}
    return None
