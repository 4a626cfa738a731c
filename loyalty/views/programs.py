"""Loyalty endpoints: programs, members and their ledger, redeeming and adjusting points. Parse, call one
service or selector, render. A member is addressed by its customer's id; another account's customer, program
or order is a 404."""

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from customers.models import Customer
from omnisales.api.actors import actor_from_auth
from omnisales.api.errors import NotFoundError, not_found
from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import (
    BaseAPIView,
    ListMixin,
    RetrieveMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    TenantViewSet,
)

from .. import services
from ..examples import programs as examples
from ..filters.programs import MemberFilterSet, ProgramFilterSet, TransactionFilterSet
from ..models import LoyaltyMember, LoyaltyProgram, PointsTransaction
from ..selectors import programs as selectors
from ..serializers.programs import (
    AdjustmentSerializer,
    AdjustSerializer,
    MemberSerializer,
    ProgramSerializer,
    ProgramWriteSerializer,
    RedeemSerializer,
    RedemptionSerializer,
    TransactionSerializer,
)

TAGS = ["loyalty"]

ERRORS = ErrorCatalog(
    error_example(
        "LOYALTY_PROGRAM_ACTIVE",
        "The account already runs an active loyalty program: deactivate it first",
        {"activeProgramId": examples.PROGRAM_ID},
    ),
    error_example(
        "LOYALTY_PROGRAM_IN_USE",
        "The active loyalty program cannot be deleted: deactivate it first (PATCH active false)",
        {"id": examples.PROGRAM_ID},
    ),
    error_example("NO_ACTIVE_LOYALTY_PROGRAM", "The account has no active loyalty program"),
    error_example(
        "BELOW_MINIMUM_REDEMPTION",
        "At least 100 points must be redeemed at once",
        {"requested": 50, "minimum": 100},
    ),
    error_example("INSUFFICIENT_POINTS", "The customer has 340 points", {"requested": 500, "balance": 340}),
    error_example(
        "DISCOUNT_NOT_COMBINABLE",
        "Points cannot be redeemed on an order with the discount code SUMMER10",
        {"discountCode": "SUMMER10"},
    ),
    error_example("ORDER_NOT_DISCOUNTABLE", "A discount cannot be added to a shipped order", {"status": "shipped"}),
)
PROGRAM_CONFLICT = {409: ERRORS.response("LOYALTY_PROGRAM_ACTIVE")}


@extend_schema_view(
    list=extend_schema(summary="List loyalty programs, newest first", tags=TAGS),
    retrieve=extend_schema(summary="Get a loyalty program", tags=TAGS),
    create=extend_schema(
        summary="Create a loyalty program",
        description="Points are earned when an order is delivered: floor((total − refunds) × pointsPerCurrencyUnit × "
        "the member's tier multiplier), and are worth pointValue each when redeemed. An account runs one active "
        "program: a second active one is 409 LOYALTY_PROGRAM_ACTIVE. Tier names and thresholds are unique; "
        "multipliers are more than 0.",
        request=ProgramWriteSerializer,
        responses={201: ProgramSerializer, **PROGRAM_CONFLICT},
        tags=TAGS,
    ),
    update=extend_schema(
        summary="Replace a loyalty program",
        description="Omitted fields are reset to their defaults, except `tiers`, kept when omitted. Sent, `tiers` "
        "replaces the program's tiers (a tier sent again by name keeps its id) and every member's tier is worked "
        "out again. Activating a program while another is active is 409 LOYALTY_PROGRAM_ACTIVE.",
        request=ProgramWriteSerializer,
        responses={200: ProgramSerializer, **PROGRAM_CONFLICT},
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Update a loyalty program",
        description="Only the fields sent change; see the replace operation for `tiers` and `active`.",
        request=ProgramWriteSerializer,
        responses={200: ProgramSerializer, **PROGRAM_CONFLICT},
        examples=[*examples.PROGRAM_PATCH, *examples.PROGRAMS[1:]],
        tags=TAGS,
    ),
)
class ProgramViewSet(ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, TenantViewSet):
    """The account's loyalty programs (one active at a time) with their tiers."""

    queryset = LoyaltyProgram.objects.all()
    serializer_class = ProgramSerializer
    write_serializer_class = ProgramWriteSerializer
    filterset_class = ProgramFilterSet
    scope_area = "loyalty"
    lookup_url_kwarg = "programId"

    def get_queryset(self):
        return selectors.programs_with_tiers(super().get_queryset())

    def _fresh(self, program):
        return self.get_queryset().get(pk=program.pk)

    def perform_create_with(self, data):
        return self._fresh(services.loyalty_program_create(account=self.account, **data))

    def perform_update_with(self, program, data):
        return self._fresh(services.loyalty_program_update(program=program, changes=data))

    @extend_schema(
        summary="Delete an inactive loyalty program",
        description="Deletes the program and its tiers. The active program is 409 LOYALTY_PROGRAM_IN_USE: switch "
        "it off first (PATCH active false), which stops earning and redemption. Members, their balances and "
        "the ledger belong to the account and stay; a program activated later applies to them.",
        responses={204: None, 409: ERRORS.response("LOYALTY_PROGRAM_IN_USE")},
        tags=TAGS,
    )
    def destroy(self, request, programId=None):
        services.loyalty_program_delete(program=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _member_not_found(account, customer_id: str) -> NotFoundError:
    """A customer of the account without points yet is LOYALTY_MEMBER_NOT_FOUND; any other id (another
    account's customer included) is CUSTOMER_NOT_FOUND, as for every customer id."""
    if Customer.objects.filter(account=account, pk=customer_id).exists():
        return not_found(LoyaltyMember, customer_id)
    return not_found(Customer, customer_id)


class MemberContextMixin:
    """What a member's representation reads besides its row: now + 30 days, the active program's tiers."""

    def serializer_context(self) -> dict:
        context = super().serializer_context()
        basis, tiers = selectors.active_tiers(account_id=self.account.pk)
        return {**context, "before": self.before, "tier_basis": basis, "tiers": tiers}

    @property
    def before(self):
        if not hasattr(self, "_before"):
            self._before = selectors.expiring_soon_before(timezone.now())
        return self._before


@extend_schema_view(
    list=extend_schema(
        summary="List loyalty members, newest first",
        description="Customers with points: balance, tier, lifetime figures, points expiring within 30 days and "
        "the next tier. A customer becomes a member with their first points.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get a customer's loyalty membership",
        description="By the customer's id. A customer of the account without points yet is 404 "
        "LOYALTY_MEMBER_NOT_FOUND; another account's customer is 404 CUSTOMER_NOT_FOUND.",
        tags=TAGS,
    ),
)
class MemberViewSet(MemberContextMixin, RetrieveMixin, ListMixin, TenantViewSet):
    queryset = LoyaltyMember.objects.all()
    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    scope_area = "loyalty"
    lookup_field = "customer_id"
    lookup_url_kwarg = "customerId"

    def get_queryset(self):
        return selectors.members_with_figures(super().get_queryset(), before=self.before)

    def get_object(self):
        try:
            return super().get_object()
        except NotFoundError:
            raise _member_not_found(self.account, self.kwargs["customerId"]) from None


@extend_schema_view(
    list=extend_schema(
        summary="List a member's points ledger, newest first",
        description="Every change to the customer's points: earn (a delivered order), redeem, adjust, expire and "
        "reverse (a refund), `points` signed and `balanceAfter` the balance once it applied. Lots (earn, a "
        "positive adjust) show what remains of them and when it expires. The rows sum to the balance. A "
        "customer of the account without points yet is 404 LOYALTY_MEMBER_NOT_FOUND.",
        tags=TAGS,
    )
)
class MemberTransactionViewSet(ListMixin, TenantViewSet):
    queryset = PointsTransaction.objects.all()
    serializer_class = TransactionSerializer
    filterset_class = TransactionFilterSet
    scope_area = "loyalty"

    def get_queryset(self):
        queryset = super().get_queryset()
        customer_id = self.kwargs["customerId"]
        member_id = (
            LoyaltyMember.objects.filter(account=self.account, customer_id=customer_id)
            .values_list("pk", flat=True)
            .first()
        )
        if member_id is None:
            raise _member_not_found(self.account, customer_id)
        return selectors.member_transactions(queryset, member_id=member_id)


class RedeemView(BaseAPIView):
    scope_area = "loyalty"

    @extend_schema(
        summary="Redeem a customer's points on one of their orders",
        description="Takes points × pointValue (to the cent) off a pending or processing order of the customer: "
        "its lines, tax, total, payment status and the customer's totalSpent follow. Lots are spent oldest "
        "first. Every check runs before anything is written: 409 NO_ACTIVE_LOYALTY_PROGRAM; 404 for another "
        "customer's order; 422 BELOW_MINIMUM_REDEMPTION, INSUFFICIENT_POINTS, DISCOUNT_NOT_COMBINABLE (the "
        "order's discount code is not combinable), VALIDATION_ERROR (worth less than a cent, or more than the "
        "lines have left); 409 ORDER_NOT_DISCOUNTABLE (another status, or paid beyond the new total).",
        request=RedeemSerializer,
        responses={
            200: RedemptionSerializer,
            409: ERRORS.response("NO_ACTIVE_LOYALTY_PROGRAM", "ORDER_NOT_DISCOUNTABLE"),
            422: ERRORS.response("BELOW_MINIMUM_REDEMPTION", "INSUFFICIENT_POINTS", "DISCOUNT_NOT_COMBINABLE"),
        },
        tags=TAGS,
    )
    def post(self, request):
        data = self.payload(RedeemSerializer)
        redemption = services.points_redeem(account=self.account, actor=actor_from_auth(self.auth_context), **data)
        return self.respond(RedemptionSerializer, redemption)


class AdjustView(BaseAPIView):
    scope_area = "loyalty"

    @extend_schema(
        summary="Add or take a customer's points by hand",
        description="Positive points are a lot expiring like earned points (the active program's expiryMonths) "
        "and make the customer a member; negative points are taken from lots oldest first, never beyond the "
        "balance (422 INSUFFICIENT_POINTS). A note is required. Lifetime figures (and so tiers) count purchases "
        "only.",
        request=AdjustSerializer,
        responses={200: AdjustmentSerializer, 422: ERRORS.response("INSUFFICIENT_POINTS")},
        tags=TAGS,
    )
    def post(self, request):
        data = self.payload(AdjustSerializer)
        row, balance = services.points_adjust(account=self.account, actor=actor_from_auth(self.auth_context), **data)
        return self.respond(AdjustmentSerializer, {"transaction": row, "points_balance": balance})


router = SimpleRouter(trailing_slash=False)
router.register("loyalty/programs", ProgramViewSet, basename="loyalty-program")
router.register("loyalty/members", MemberViewSet, basename="loyalty-member")

urlpatterns = [
    path("loyalty/redeem", RedeemView.as_view(), name="loyalty-redeem"),
    path("loyalty/adjust", AdjustView.as_view(), name="loyalty-adjust"),
    path(
        "loyalty/members/<str:customerId>/transactions",
        MemberTransactionViewSet.as_view({"get": "list"}),
        name="loyalty-member-transactions",
    ),
    *router.urls,
]
